package core

import (
	"encoding/binary"
	"hash/maphash"
)

// KeyIDs maps the keys a load meets to their target ids, for the fix-ups
// of a load whose table starts without bookkeeping (PostgreSQL's direct
// path), where a Book would only serve the RowFixer's lookups. A Book's
// probe reads its slot, then the key's end, the key and the id: four
// cache misses in a large book, which made the lookups the largest part
// of a fix-up at insert time. A KeyIDs slot holds the id and where its
// key is, and the key starts with its length: a probe reads the slot and
// the key. It keeps about 40 bytes a key (a Book for the same keys, with
// fingerprints it would not use, about 55).
type KeyIDs struct {
	seed  maphash.Seed
	slots []keySlot // open addressing, linear probing: at most half used
	keys  []byte    // every key after its length (uvarint)
	n     int
}

// keySlot is one slot: ref is the high 16 bits of the key's hash and 1 +
// the key's offset in keys (0: empty).
type keySlot struct {
	ref uint64
	id  int64
}

const (
	keyRefTag uint64 = 0xffff << 48
	keyRefOff        = ^keyRefTag
)

// NewKeyIDs returns an empty index.
func NewKeyIDs() *KeyIDs {
	return &KeyIDs{seed: maphash.MakeSeed(), slots: make([]keySlot, 1024)}
}

// Len is the number of keys added.
func (k *KeyIDs) Len() int { return k.n }

// Add records the id of a key. A key added twice is found with one of
// its ids (a load that meets a key twice fails on it anyway).
func (k *KeyIDs) Add(key string, id int64) {
	if 2*(k.n+1) > len(k.slots) {
		k.grow()
	}
	off := uint64(len(k.keys))
	k.keys = binary.AppendUvarint(k.keys, uint64(len(key)))
	k.keys = append(k.keys, key...)
	k.place(maphash.String(k.seed, key), off, id)
	k.n++
}

func (k *KeyIDs) place(h, off uint64, id int64) {
	mask := uint64(len(k.slots) - 1)
	s := h & mask
	for k.slots[s].ref != 0 {
		s = (s + 1) & mask
	}
	k.slots[s] = keySlot{ref: h&keyRefTag | (off+1)&keyRefOff, id: id}
}

// key returns the key at offset off of keys.
func (k *KeyIDs) key(off uint64) []byte {
	n, w := binary.Uvarint(k.keys[off:])
	start := off + uint64(w)
	return k.keys[start : start+n]
}

// Find returns the id of key.
func (k *KeyIDs) Find(key string) (int64, bool) {
	mask := uint64(len(k.slots) - 1)
	h := maphash.String(k.seed, key)
	for s := h & mask; ; s = (s + 1) & mask {
		e := &k.slots[s]
		if e.ref == 0 {
			return 0, false
		}
		if e.ref&keyRefTag == h&keyRefTag && string(k.key(e.ref&keyRefOff-1)) == key {
			return e.id, true
		}
	}
}

// grow doubles the slots and places every key again.
func (k *KeyIDs) grow() {
	old := k.slots
	k.slots = make([]keySlot, 2*len(old))
	for _, e := range old {
		if e.ref != 0 {
			off := e.ref&keyRefOff - 1
			k.place(maphash.Bytes(k.seed, k.key(off)), off, e.id)
		}
	}
}
