package engine

import "hash/maphash"

// keySet maps strings (keys, unique values) to the line that first held
// them, in flat chunked arrays: about 30 bytes per 10-byte key where a
// map[string]int32 takes about 80, so that the key sets — the only memory
// that grows with the rows — stay small at millions of rows. Storage grows
// by whole chunks, so nothing is copied as it grows; only the slot table is
// rebuilt when it doubles.
type keySet struct {
	seed   maphash.Seed
	slots  []uint32   // open addressing, linear probing: 0 empty, else entry+1
	chunks [][]byte   // key bytes, back to back, in chunks of chunkBytes
	locs   [][]uint64 // per entry: chunk<<40 | offset<<20 | length (blocks of blockLen)
	lines  [][]int32  // per entry, in blocks of blockLen
	n      int
}

const (
	chunkBytes = 1 << 20 // a key of this length or more gets a chunk of its own
	blockLen   = 1 << 13
	bigKey     = 1<<20 - 1 // length field of an entry that owns its chunk
)

func newKeySet() *keySet {
	return &keySet{seed: maphash.MakeSeed(), slots: make([]uint32, 256)}
}

func (k *keySet) len() int { return k.n }

// key returns entry i's bytes (no copy).
func (k *keySet) key(i int) []byte {
	loc := k.locs[i/blockLen][i%blockLen]
	c, off, n := loc>>40, (loc>>20)&(1<<20-1), loc&(1<<20-1)
	if n == bigKey {
		return k.chunks[c]
	}
	return k.chunks[c][off : off+n]
}

// slot returns where key is, or the empty slot where it would go.
func (k *keySet) slot(key string) (uint64, bool) {
	mask := uint64(len(k.slots) - 1)
	for s := maphash.String(k.seed, key) & mask; ; s = (s + 1) & mask {
		e := k.slots[s]
		if e == 0 {
			return s, false
		}
		if string(k.key(int(e-1))) == key { // compared in place, no allocation
			return s, true
		}
	}
}

// get returns the line stored for key.
func (k *keySet) get(key string) (int32, bool) {
	s, ok := k.slot(key)
	if !ok {
		return 0, false
	}
	i := int(k.slots[s] - 1)
	return k.lines[i/blockLen][i%blockLen], true
}

// put stores line for key; it reports false (and stores nothing) when the
// key is there already.
func (k *keySet) put(key string, line int32) bool {
	if 2*(k.n+1) > len(k.slots) {
		k.grow()
	}
	s, ok := k.slot(key)
	if ok {
		return false
	}
	if k.n%blockLen == 0 {
		k.locs = append(k.locs, make([]uint64, blockLen))
		k.lines = append(k.lines, make([]int32, blockLen))
	}
	k.locs[k.n/blockLen][k.n%blockLen] = k.store(key)
	k.lines[k.n/blockLen][k.n%blockLen] = line
	k.n++
	k.slots[s] = uint32(k.n)
	return true
}

// store copies key into the chunks and returns its location.
func (k *keySet) store(key string) uint64 {
	if len(key) >= bigKey {
		k.chunks = append(k.chunks, []byte(key))
		return uint64(len(k.chunks)-1)<<40 | bigKey
	}
	last := len(k.chunks) - 1
	if last < 0 || len(k.chunks[last])+len(key) > chunkBytes || cap(k.chunks[last]) < chunkBytes {
		k.chunks = append(k.chunks, make([]byte, 0, chunkBytes))
		last++
	}
	off := len(k.chunks[last])
	k.chunks[last] = append(k.chunks[last], key...)
	return uint64(last)<<40 | uint64(off)<<20 | uint64(len(key))
}

func (k *keySet) grow() {
	k.slots = make([]uint32, 2*len(k.slots))
	mask := uint64(len(k.slots) - 1)
	for i := range k.n {
		s := maphash.Bytes(k.seed, k.key(i)) & mask
		for k.slots[s] != 0 {
			s = (s + 1) & mask
		}
		k.slots[s] = uint32(i + 1)
	}
}
