package engine

import (
	"encoding/binary"
	"hash/maphash"
	"math"
	"math/bits"
	"slices"
	"unsafe"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/slots"
)

// skipIndex maps raw fingerprints to what the bookkeeping says of the
// record each one gave: key, fingerprint, cross values. Flat arrays,
// about 110 bytes an entry with a 10-byte key, an e-mail address and a
// reference; it also answers for the skipped rows in the cross-row checks
// (skipchecks.go), so that their keys and unique values are not copied
// into the key indexes. 1/skipShare of the run's memory budget is what an
// entity's skip index may take (1M contacts with an e-mail address and a
// reference: about 110 MB); the rows whose entries do not fit take the
// full path (the key indexes, the bookkeeping and the rows in flight need
// the rest).
const skipShare = 2

// skipEntryBytes is what an entry takes besides its key and cross values:
// two fingerprints, its start, its place in the bookkeeping, its
// share of the two slot tables (1.5 slots of 4 bytes each on average), the
// line of the row that took it, the key's length and the entry's bits;
// skipUniqueBytes is what each unique field adds (its slot table and a
// bit).
const (
	skipEntryBytes  = 16 + 16 + 4 + 4 + 2*6 + 4 + 1 + 1
	skipUniqueBytes = 6 + 1
)

// The index is built in two steps: add appends every entry the bookkeeping
// holds, finish then places them all at once in slot tables sized for
// them (placing as they came would place every entry again at each of
// twenty doublings of a million-entry index). The per-entry arrays are
// allocated once for the entries the backend expects (expect), and the
// entries' bytes go into chunks that are never copied: grown by doubling,
// the arrays were copied twenty times, and giving back the room they grew
// into copied them once more while both copies were live, at the delta's
// peak of memory.
type skipIndex struct {
	limit int64 // bytes the index may take; 0: no limit
	bytes int64
	slots []uint32 // open addressing on raw.lo: 0 empty, else entry+1
	// keySlots finds entries by key (open addressing on the key's maphash),
	// so that the sweep and the key checks ask the skipped rows' keys here,
	// in memory.
	seed     maphash.Seed
	keySlots []uint32
	raws     []rawFP
	fps      []rowDigest
	// data holds per entry the key (length-prefixed), then the cross values
	// as stored, in chunks of at most skipChunk bytes (one entry longer
	// than that: a chunk of its own); starts[i] is where entry i begins, as
	// chunk<<skipChunkBits | offset.
	data   [][]byte
	starts []uint32
	// places holds per entry its place in the bookkeeping (load.Seen.Skipped),
	// -1 unknown; nil while every entry's place is its own number (every
	// entry of the bookkeeping has skip data: 4 MB less of a million).
	places []int32
	used   []uint64 // a bit per entry: taken by a row of this import
	// The skipped rows' part of the cross-row checks (skipchecks.go).
	lines    []uint32 // per entry: the line of the row that took it
	rejected []uint64 // a bit per entry: the row that took it was rejected
	uniq     []skipUnique
	// unclaimed holds, as entry<<8 | slot, the taken entries whose key
	// (slot 0) or unique value (slot 1+j) a row before them had, or that
	// the environment holds for another key: the run's first row with the
	// value is another one.
	unclaimed map[uint64]struct{}
	// dropped has a bit per entry that finish did not place (a repeated
	// raw fingerprint); nil when there is none. The lookups that try the
	// entry next to the last one found (near) skip these as find does.
	dropped []uint64
	// confirmNext is the entry confirm tries first: the one after the
	// last it found.
	confirmNext int
}

// skipUnique finds entries by the value of one unique field.
type skipUnique struct {
	pos       int      // the field's place among the cross values
	slots     []uint32 // open addressing on the value's maphash; empty values are not placed
	confirmed []uint64 // a bit per entry: the environment holds the value for the entry's key
	shared    []uint64 // a bit per entry: another entry has the same value
}

// newSkipIndex returns an empty index; uniquePos are the places of the
// entity's unique fields (besides the key) among the cross values.
func newSkipIndex(uniquePos ...int) *skipIndex {
	x := &skipIndex{seed: maphash.MakeSeed(), unclaimed: map[uint64]struct{}{}}
	for _, p := range uniquePos {
		x.uniq = append(x.uniq, skipUnique{pos: p})
	}
	x.finish()
	return x
}

// skipChunkBits is the width of an entry's offset in its chunk:
// chunks of at most skipChunk bytes, 4,096 of them.
const (
	skipChunkBits = 20
	skipChunk     = 1 << skipChunkBits
	skipChunks    = 1 << (32 - skipChunkBits)
)

// expect allocates the per-entry arrays for n entries (a count or an
// estimate of the bookkeeping's); add grows them past it.
func (x *skipIndex) expect(n int) {
	if n <= 0 || len(x.raws) > 0 {
		return
	}
	if x.limit > 0 {
		n = min(n, int(x.limit/skipEntryBytes)+1) // no more fit
	}
	x.raws, x.fps, x.starts = make([]rawFP, 0, n), make([]rowDigest, 0, n), make([]uint32, 0, n)
}

// add appends one entry of the bookkeeping; entries that are stale (their
// fingerprint is no longer the one the skip data was written with) or
// malformed are left out. finish places it.
func (x *skipIndex) add(place int, key, fp, skip []byte, ncross int) {
	if len(skip) < skipHead || len(fp) != load.FingerprintSize || string(skip[16:skipHead]) != string(fp) {
		return
	}
	if !validCross(skip[skipHead:], ncross) {
		return
	}
	cost := int64(skipEntryBytes + len(x.uniq)*skipUniqueBytes + len(key) + len(skip) - skipHead)
	if x.limit > 0 && x.bytes+cost > x.limit {
		return // past the budget: the row takes the full path
	}
	size := binary.MaxVarintLen64 + len(key) + len(skip) - skipHead
	start, ok := x.room(size)
	if !ok {
		return // past what the offsets address: the row takes the full path
	}
	x.bytes += cost
	x.raws = append(x.raws, rawFP{hi: binary.BigEndian.Uint64(skip), lo: binary.BigEndian.Uint64(skip[8:])})
	x.fps = append(x.fps, rowDigest(fp))
	c := &x.data[len(x.data)-1]
	*c = binary.AppendUvarint(*c, uint64(len(key)))
	*c = append(*c, key...)
	*c = append(*c, skip[skipHead:]...)
	x.starts = append(x.starts, start)
	if place < 0 || place > math.MaxInt32 {
		place = -1
	}
	i := len(x.starts) - 1
	if x.places == nil && place != i {
		x.places = make([]int32, i, max(i, 1024, cap(x.starts)))
		for j := range x.places {
			x.places[j] = int32(j)
		}
	}
	if x.places != nil {
		x.places = append(x.places, int32(place))
	}
}

// room makes the last chunk of data hold size more bytes, starting a
// chunk when it does not (each twice the last, from 4 KiB, up to
// skipChunk; an entry longer than that in a chunk of its own), and returns
// where they begin; false when every chunk is taken.
func (x *skipIndex) room(size int) (uint32, bool) {
	if n := len(x.data); n > 0 {
		if c := x.data[n-1]; cap(c)-len(c) >= size && len(c) < skipChunk {
			return uint32(n-1)<<skipChunkBits | uint32(len(c)), true
		}
	}
	n := len(x.data)
	if n == skipChunks {
		return 0, false
	}
	next := 4 << 10
	if n > 0 {
		next = min(2*cap(x.data[n-1]), skipChunk)
	}
	x.data = append(x.data, make([]byte, 0, max(next, size)))
	return uint32(n) << skipChunkBits, true
}

// finish builds the index once every entry is in: it gives back the room
// the per-entry arrays have beyond their entries when the expected count
// was well off (the index lives through the entity's stream, where the
// collector's headroom is what the run's memory budget leaves), sizes the
// slot tables for the entries and places them in order. Of entries with
// the same raw fingerprint the first is placed; the others are never
// found.
func (x *skipIndex) finish() {
	x.raws, x.fps, x.starts = clip(x.raws), clip(x.fps), clip(x.starts)
	if x.places != nil {
		x.places = clip(x.places)
	}
	n := len(x.raws)
	words := (n + 63) / 64
	x.lines, x.used, x.rejected = make([]uint32, n), make([]uint64, words), make([]uint64, words)
	size := slots.For(n + 1)
	x.slots, x.keySlots = make([]uint32, size), make([]uint32, size)
	for j := range x.uniq {
		u := &x.uniq[j]
		u.slots, u.confirmed, u.shared = make([]uint32, size), make([]uint64, words), make([]uint64, words)
	}
	x.dropped = nil
	for i, raw := range x.raws {
		if !x.place(raw, i) {
			if x.dropped == nil {
				x.dropped = make([]uint64, words)
			}
			setBit(x.dropped, i) // a repeated raw fingerprint
			continue
		}
		x.placeKey(maphash.Bytes(x.seed, x.key(i)), i)
		x.placeUnique(i)
	}
}

// clip returns s, or a copy without its spare room when that is more than
// a sixteenth of its length (copying takes both at once).
func clip[T any](s []T) []T {
	if cap(s)-len(s) <= len(s)/16 {
		return s
	}
	return slices.Clip(slices.Clone(s))
}

// validCross reports whether b holds exactly n length-prefixed values.
func validCross(b []byte, n int) bool {
	for range n {
		l, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < l {
			return false
		}
		b = b[k+int(l):]
	}
	return len(b) == 0
}

// place places entry i by its raw fingerprint; false when an entry
// placed before has the same.
func (x *skipIndex) place(raw rawFP, i int) bool {
	n := len(x.slots)
	s := slots.Home(raw.lo, n)
	for ; x.slots[s] != 0; s = slots.Next(s, n) {
		if x.raws[x.slots[s]-1] == raw {
			return false
		}
	}
	x.slots[s] = uint32(i + 1)
	return true
}

func (x *skipIndex) placeKey(h uint64, i int) {
	n := len(x.keySlots)
	s := slots.Home(h, n)
	for x.keySlots[s] != 0 {
		s = slots.Next(s, n)
	}
	x.keySlots[s] = uint32(i + 1)
}

// entry returns entry i's data: the key, then the cross values (and
// whatever follows them in its chunk).
func (x *skipIndex) entry(i int) []byte {
	at := x.starts[i]
	return x.data[at>>skipChunkBits][at&(skipChunk-1):]
}

// key returns entry i's key.
func (x *skipIndex) key(i int) []byte {
	b := x.entry(i)
	l, k := binary.Uvarint(b)
	return b[k : k+int(l)]
}

// taken reports whether a row of this import took the entry of key: the
// row was skipped, so the extraction has the key.
func (x *skipIndex) taken(key string) bool {
	i, ok := x.keyEntry(key)
	return ok && x.isTaken(i)
}

// find returns the entry of raw. Safe for concurrent use with other finds.
func (x *skipIndex) find(raw rawFP) (int, bool) {
	n := len(x.slots)
	for s := slots.Home(raw.lo, n); ; s = slots.Next(s, n) {
		e := x.slots[s]
		if e == 0 {
			return 0, false
		}
		if x.raws[e-1] == raw {
			return int(e - 1), true
		}
	}
}

// near reports whether entry i exists and is placed: the lookups that
// try the entry after the last one they found first, since rows that come
// in the order of the bookkeeping find consecutive entries (a source
// sorted by key, an environment read in the order it was loaded), take
// it only then, and read nothing else.
func (x *skipIndex) near(i int) bool {
	return i >= 0 && i < len(x.raws) && (x.dropped == nil || !bit(x.dropped, i))
}

// findNear is find, trying entry hint first. Safe for concurrent use
// with other finds.
func (x *skipIndex) findNear(raw rawFP, hint int) (int, bool) {
	if x.near(hint) && x.raws[hint] == raw {
		return hint, true
	}
	return x.find(raw)
}

// take marks entry i as met by the row on line; false when a row of this
// import met it before (an identical raw row: it takes the full path, and
// is a duplicate).
func (x *skipIndex) take(i, line int) bool {
	if x.isTaken(i) {
		return false
	}
	setBit(x.used, i)
	x.lines[i] = uint32(min(line, math.MaxUint32))
	return true
}

func (x *skipIndex) isTaken(i int) bool { return bit(x.used, i) }

// skippedPlaces returns a bit per bookkeeping entry, by its place, set for
// the entries rows of this import took (load.Seen.Skipped).
func (x *skipIndex) skippedPlaces() []uint64 {
	var out []uint64
	for w, u := range x.used {
		for ; u != 0; u &= u - 1 {
			i := w*64 + bits.TrailingZeros64(u)
			p := i
			if x.places != nil {
				p = int(x.places[i])
			}
			if p < 0 {
				continue
			}
			for len(out) <= p/64 {
				out = append(out, 0)
			}
			setBit(out, p)
		}
	}
	return out
}

// values fills out (len(e.Fields), reused row after row) with entry i as
// a sparse record: the key and the cross values in their fields, every
// other field "". The strings share the index's memory, which is never
// written again once read: nothing keeps them past the row's checks (the
// key indexes copy what they store).
func (x *skipIndex) values(i int, e *format.Entity, cross []int, out []string) []string {
	b := x.entry(i)
	clear(out)
	next := func() string {
		l, k := binary.Uvarint(b)
		v := b[k : k+int(l)]
		b = b[k+int(l):]
		if len(v) == 0 {
			return ""
		}
		return unsafe.String(&v[0], len(v))
	}
	out[e.KeyIndex()] = next()
	for _, f := range cross {
		out[f] = next()
	}
	return out
}
