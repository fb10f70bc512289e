package core

import (
	"hash/maphash"
	"slices"

	"github.com/handover/handover/internal/slots"
)

// Book holds an entity's bookkeeping in memory: source key →
// fingerprint and target id. It keeps everything in a few flat arrays
// (about 50 bytes per key, where a map[string]struct{…} takes 130), so a
// million keys stay well inside the memory budget of a load. A slot keeps
// the high half of its key's hash beside the entry, so that a probe reads
// the key (two more cache misses in a large book) only when that half
// matches: a miss in a book of a million keys was most of the loaders'
// time in Find.
type Book struct {
	seed  maphash.Seed
	slots []uint64 // open addressing, linear probing: 0 empty, else slot(hash, entry)
	keys  []byte   // every key, back to back
	ends  []uint32 // entry i's key is keys[ends[i-1]:ends[i]]
	FPs   []Fingerprint
	IDs   []int64
	seen  []uint64 // a bit per entry: met in the current load
}

func NewBook() *Book {
	return &Book{seed: maphash.MakeSeed(), slots: make([]uint64, 1024)}
}

// slotTag is the part of a slot that holds the key's hash.
const slotTag uint64 = 0xffff_ffff_0000_0000

// slot is what a slot holds for entry i of a key with hash h.
func slot(h uint64, i int) uint64 { return h&slotTag | uint64(uint32(i+1)) }

// slotEntry is the entry a non-empty slot holds.
func slotEntry(e uint64) int { return int(uint32(e)) - 1 }

// Len is the number of keys.
func (b *Book) Len() int { return len(b.IDs) }

func (b *Book) Key(i int) []byte {
	start := uint32(0)
	if i > 0 {
		start = b.ends[i-1]
	}
	return b.keys[start:b.ends[i]]
}

// Find returns the entry of key.
func (b *Book) Find(key string) (int, bool) {
	n := len(b.slots)
	h := maphash.String(b.seed, key)
	for s := slots.Home(h, n); ; s = slots.Next(s, n) {
		e := b.slots[s]
		if e == 0 {
			return 0, false
		}
		if e&slotTag == h&slotTag && string(b.Key(slotEntry(e))) == key {
			return slotEntry(e), true
		}
	}
}

// Add records a key that is not in the index yet and returns its entry.
func (b *Book) Add(key string, fp Fingerprint, id int64) int {
	if slots.For(len(b.IDs)+1) > len(b.slots) {
		b.grow()
	}
	i := push(b, key, fp, id)
	b.place(maphash.String(b.seed, key), i)
	return i
}

// Append records a key read from the bookkeeping without placing it:
// a reader appends every entry, then calls Place once, so that a million
// keys are hashed once into slots of their final size instead of being
// placed again at every doubling. Find must not be called in between.
func (b *Book) Append(key []byte, fp Fingerprint, id int64) { push(b, key, fp, id) }

// push appends an entry's key, fingerprint and id (and a word of seen
// bits every 64 entries) without placing it, and returns its number; the
// key is a string (Add) or the bytes a reader scanned (Append), copied
// either way without a conversion.
func push[K string | []byte](b *Book, key K, fp Fingerprint, id int64) int {
	i := len(b.IDs)
	if i == bookSample {
		b.reserveKeys()
	}
	b.keys = append(b.keys, key...)
	b.ends = append(b.ends, uint32(len(b.keys)))
	b.FPs = append(b.FPs, fp)
	b.IDs = append(b.IDs, id)
	if i%64 == 0 {
		b.seen = append(b.seen, 0)
	}
	return i
}

// bookSample is how many keys a book sized for more entries
// (NewSizedBook) holds when it estimates the bytes of all of them.
const bookSample = 1024

// reserveKeys gives the keys' array room for as many keys as the book
// was sized for, at the first keys' average length and a sixteenth more,
// unless it has that already: an array grown by doubling is copied at
// every step.
func (b *Book) reserveKeys() {
	want := len(b.keys) * cap(b.IDs) / len(b.IDs)
	want += want / 16
	if cap(b.keys) < want {
		b.keys = slices.Grow(b.keys, want-len(b.keys))
	}
}

// Place places every entry, in slots sized for them (slots.For, what Add
// keeps too).
func (b *Book) Place() {
	n := slots.For(len(b.IDs) + 1)
	if len(b.slots) == n {
		clear(b.slots)
	} else {
		b.slots = make([]uint64, n)
	}
	for i := range b.IDs {
		b.place(maphash.Bytes(b.seed, b.Key(i)), i)
	}
}

func (b *Book) place(hash uint64, i int) {
	n := len(b.slots)
	s := slots.Home(hash, n)
	for b.slots[s] != 0 {
		s = slots.Next(s, n)
	}
	b.slots[s] = slot(hash, i)
}

// grow doubles the slots and places every key again.
func (b *Book) grow() {
	b.slots = make([]uint64, 2*len(b.slots))
	for i := range b.IDs {
		b.place(maphash.Bytes(b.seed, b.Key(i)), i)
	}
}

func (b *Book) IsSeen(i int) bool { return b.seen[i/64]&(1<<(i%64)) != 0 }
func (b *Book) MarkSeen(i int)    { b.seen[i/64] |= 1 << (i % 64) }

// Unsee forgets which keys the last load met.
func (b *Book) Unsee() { clear(b.seen) }

// Compact gives back the room the arrays grew into beyond their entries,
// once every entry is in: a grown array has up to a quarter more. An
// array sized beforehand (NewSizedBook) within a sixteenth of its entries
// is kept as it is: copying it would take that much more memory at once.
func (b *Book) Compact() {
	b.keys, b.ends, b.FPs, b.IDs, b.seen = compact(b.keys), compact(b.ends), compact(b.FPs), compact(b.IDs), compact(b.seen)
}

// compact returns s, or a copy without its spare room when that is more
// than a sixteenth of its length.
func compact[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/16 {
		return s
	}
	return slices.Clip(slices.Clone(s))
}
