package engine

import "hash/maphash"

// keySet maps strings (keys, unique values) to the line that first held
// them, in flat arrays: about 26 bytes per 10-byte key where a
// map[string]int32 takes about 80, so that the key sets — the only memory
// that grows with the rows — stay small at millions of rows.
type keySet struct {
	seed  maphash.Seed
	slots []uint32 // open addressing, linear probing: 0 empty, else entry+1
	data  []byte   // every key, back to back
	ends  []uint32 // entry i is data[ends[i-1]:ends[i]]
	lines []int32
}

func newKeySet() *keySet {
	return &keySet{seed: maphash.MakeSeed(), slots: make([]uint32, 256)}
}

func (k *keySet) len() int { return len(k.lines) }

func (k *keySet) key(i uint32) string {
	start := uint32(0)
	if i > 0 {
		start = k.ends[i-1]
	}
	return string(k.data[start:k.ends[i]])
}

// slot returns where key is, or the empty slot where it would go.
func (k *keySet) slot(key string) (uint64, bool) {
	mask := uint64(len(k.slots) - 1)
	for s := maphash.String(k.seed, key) & mask; ; s = (s + 1) & mask {
		e := k.slots[s]
		if e == 0 {
			return s, false
		}
		if k.key(e-1) == key {
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
	return k.lines[k.slots[s]-1], true
}

// put stores line for key; it reports false (and stores nothing) when the
// key is there already.
func (k *keySet) put(key string, line int32) bool {
	if 2*(len(k.lines)+1) > len(k.slots) {
		k.grow()
	}
	s, ok := k.slot(key)
	if ok {
		return false
	}
	k.data = append(k.data, key...)
	k.ends = append(k.ends, uint32(len(k.data)))
	k.lines = append(k.lines, line)
	k.slots[s] = uint32(len(k.lines))
	return true
}

func (k *keySet) grow() {
	k.slots = make([]uint32, 2*len(k.slots))
	mask := uint64(len(k.slots) - 1)
	for i := range k.lines {
		s := maphash.String(k.seed, k.key(uint32(i))) & mask
		for k.slots[s] != 0 {
			s = (s + 1) & mask
		}
		k.slots[s] = uint32(i + 1)
	}
}
