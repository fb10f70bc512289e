package core

import (
	"bufio"
	"cmp"
	"container/heap"
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"slices"
)

// RefIndex maps the keys of a referenced entity to their target ids, for
// a loader that writes references as ids: 16 bytes a key (its 64-bit hash
// and the id), sorted by hash in one flat array, with a directory by the
// hash's top bits so that a lookup reads one short stretch of it. No key
// is kept: two keys of the entity with the same hash are found when the
// array is sorted, and only those keys are then read again and kept
// exactly (Ambiguous, Resolve). A key the entity does not hold is not
// verified — the engine rejects every reference to a missing or rejected
// row before a loader sees it; such a key is found only if its hash is
// another key's (n in 2⁶⁴ for n keys).
//
// Past its memory share the array is sorted in runs written to disk and
// merged into one file (an external merge sort); the directory stays in
// memory (at most a byte a key, 16 MiB) and a lookup reads one bucket of
// the file (a pread of 4–8 entries, from the page cache once warm).
type RefIndex struct {
	seed   maphash.Seed
	hashFn func(string) uint64 // tests: colliding hashes
	dir    string              // where runs and the merged file go
	limit  int                 // entries held in memory before a run is written

	ents []refEnt // in memory: sorted once Finish ran
	runs []*os.File

	// After Finish: the directory (bucket b's entries are buckets[b] to
	// buckets[b+1]) and, when spilled, the merged file.
	shift   uint
	buckets []uint32
	file    *os.File
	buf     []byte
	next    int    // while building the directory: the first bucket not yet set
	prev    uint64 // while building: the hash of the entry before

	ambiguous map[uint64]struct{}
	exact     map[string]int64 // the keys of ambiguous hashes
	n         int
}

type refEnt struct {
	h  uint64
	id int64
}

const refEntBytes = 16

// NewRefIndex returns an empty index that holds at most memory bytes of
// entries before it spills to dir (memory ≤ 0: no limit).
func NewRefIndex(dir string, memory int64) *RefIndex {
	limit := int(memory / refEntBytes)
	if memory <= 0 {
		limit = int(^uint(0) >> 1)
	}
	return &RefIndex{seed: maphash.MakeSeed(), dir: dir, limit: max(limit, 1024)}
}

func (x *RefIndex) hash(key string) uint64 {
	if x.hashFn != nil {
		return x.hashFn(key)
	}
	return maphash.String(x.seed, key)
}

// hashBytes is hash(string(key)), without the string.
func (x *RefIndex) hashBytes(key []byte) uint64 {
	if x.hashFn != nil {
		return x.hashFn(string(key))
	}
	return maphash.Bytes(x.seed, key)
}

// Grow makes room in memory for n more keys (up to the memory share), so
// that filling the index does not double its array on the way.
func (x *RefIndex) Grow(n int) {
	x.ents = slices.Grow(x.ents, min(n, x.limit-len(x.ents)))
}

// Len is the number of keys added.
func (x *RefIndex) Len() int { return x.n }

// Add records key's target id; every key is added once, before Finish.
func (x *RefIndex) Add(key string, id int64) error { return x.add(x.hash(key), id) }

// AddBytes is Add for a key a loader reads as bytes: it costs no string a
// key (the index keeps only the hash).
func (x *RefIndex) AddBytes(key []byte, id int64) error { return x.add(x.hashBytes(key), id) }

func (x *RefIndex) add(h uint64, id int64) error {
	x.ents = append(x.ents, refEnt{h, id})
	x.n++
	if len(x.ents) >= x.limit {
		return x.spill()
	}
	return nil
}

func sortRefs(ents []refEnt) {
	slices.SortFunc(ents, func(a, b refEnt) int { return cmp.Compare(a.h, b.h) })
}

// spill writes the entries in memory as a sorted run.
func (x *RefIndex) spill() error {
	sortRefs(x.ents)
	f, err := refTemp(x.dir)
	if err != nil {
		return err
	}
	x.runs = append(x.runs, f)
	w := bufio.NewWriterSize(f, 64<<10)
	for _, e := range x.ents {
		if err := writeRefEnt(w, e); err != nil {
			return err
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write the reference index: %w", err)
	}
	x.ents = x.ents[:0]
	return nil
}

// writeRefEnt writes e as the 16 bytes of an entry of the index's files
// (refEntAt reads it back).
func writeRefEnt(w *bufio.Writer, e refEnt) error {
	var b [refEntBytes]byte
	binary.LittleEndian.PutUint64(b[:], e.h)
	binary.LittleEndian.PutUint64(b[8:], uint64(e.id))
	if _, err := w.Write(b[:]); err != nil {
		return fmt.Errorf("write the reference index: %w", err)
	}
	return nil
}

// refEntAt reads the entry at the start of b, as writeRefEnt wrote it.
func refEntAt(b []byte) refEnt {
	return refEnt{binary.LittleEndian.Uint64(b), int64(binary.LittleEndian.Uint64(b[8:]))}
}

// refTemp creates a file that is gone once closed (unlinked at once where
// the system allows it).
func refTemp(dir string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "handover-refs-*")
	if err != nil {
		return nil, fmt.Errorf("create the reference index: %w", err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// Finish sorts the index (merging its runs into one file when it spilled)
// and builds the directory; it returns how many hashes two or more keys
// share (see Ambiguous).
func (x *RefIndex) Finish() (int, error) {
	x.shift = 63
	for x.shift > 42 && 1<<(64-x.shift) < x.n/8 {
		x.shift--
	}
	x.buckets = make([]uint32, 1<<(64-x.shift)+1)
	if len(x.runs) == 0 {
		sortRefs(x.ents)
		for i, e := range x.ents {
			x.place(i, e)
		}
	} else if err := x.merge(); err != nil {
		return 0, err
	}
	for ; x.next < len(x.buckets); x.next++ {
		x.buckets[x.next] = uint32(x.n)
	}
	return len(x.ambiguous), nil
}

// place notes entry i (in hash order) in the directory, and its hash when
// the entry before has the same.
func (x *RefIndex) place(i int, e refEnt) {
	for b := int(e.h >> x.shift); x.next <= b; x.next++ {
		x.buckets[x.next] = uint32(i)
	}
	if i > 0 && x.prev == e.h {
		if x.ambiguous == nil {
			x.ambiguous, x.exact = map[uint64]struct{}{}, map[string]int64{}
		}
		x.ambiguous[e.h] = struct{}{}
	}
	x.prev = e.h
}

// merge writes the runs and the entries in memory, merged in hash order,
// to one file and builds the directory as it goes.
func (x *RefIndex) merge() error {
	if len(x.ents) > 0 {
		if err := x.spill(); err != nil {
			return err
		}
	}
	x.ents = nil
	var h refHeap
	for _, f := range x.runs {
		r := &refRun{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, 1<<62), 64<<10)}
		ok, err := r.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, r)
		}
	}
	heap.Init(&h)
	f, err := refTemp(x.dir)
	if err != nil {
		return err
	}
	x.file = f
	w := bufio.NewWriterSize(f, 64<<10)
	for i := 0; len(h) > 0; i++ {
		r := h[0]
		x.place(i, r.e)
		if err := writeRefEnt(w, r.e); err != nil {
			return err
		}
		ok, err := r.next()
		switch {
		case err != nil:
			return err
		case ok:
			heap.Fix(&h, 0)
		default:
			heap.Pop(&h)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write the reference index: %w", err)
	}
	for _, r := range x.runs {
		r.Close()
	}
	x.runs = nil
	return nil
}

// refRun reads one sorted run back, entry by entry.
type refRun struct {
	r *bufio.Reader
	e refEnt
	b [refEntBytes]byte
}

func (r *refRun) next() (bool, error) {
	if _, err := io.ReadFull(r.r, r.b[:]); err != nil {
		if err == io.EOF {
			return false, nil
		}
		return false, fmt.Errorf("read the reference index: %w", err)
	}
	r.e = refEntAt(r.b[:])
	return true, nil
}

type refHeap []*refRun

func (h refHeap) Len() int           { return len(h) }
func (h refHeap) Less(i, j int) bool { return h[i].e.h < h[j].e.h }
func (h refHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *refHeap) Push(v any)        { *h = append(*h, v.(*refRun)) }
func (h *refHeap) Pop() any {
	old := *h
	r := old[len(old)-1]
	*h = old[:len(old)-1]
	return r
}

// Ambiguous reports whether two or more keys share key's hash: the
// loader then passes every key to Resolve once more, after Finish.
func (x *RefIndex) Ambiguous(key string) bool {
	_, ok := x.ambiguous[x.hash(key)]
	return ok
}

// Resolve keeps key's id exactly when its hash is ambiguous.
func (x *RefIndex) Resolve(key string, id int64) {
	if x.Ambiguous(key) {
		x.exact[key] = id
	}
}

// Find returns the target id of key.
func (x *RefIndex) Find(key string) (int64, bool, error) {
	h := x.hash(key)
	if _, ok := x.ambiguous[h]; ok {
		id, ok := x.exact[key]
		return id, ok, nil
	}
	b := h >> x.shift
	lo, hi := int(x.buckets[b]), int(x.buckets[b+1])
	if x.file == nil {
		for _, e := range x.ents[lo:hi] {
			if e.h == h {
				return e.id, true, nil
			}
		}
		return 0, false, nil
	}
	n := (hi - lo) * refEntBytes
	if cap(x.buf) < n {
		x.buf = make([]byte, n)
	}
	buf := x.buf[:n]
	if _, err := x.file.ReadAt(buf, int64(lo)*refEntBytes); err != nil {
		return 0, false, fmt.Errorf("read the reference index: %w", err)
	}
	for ; len(buf) >= refEntBytes; buf = buf[refEntBytes:] {
		if e := refEntAt(buf); e.h == h {
			return e.id, true, nil
		}
	}
	return 0, false, nil
}

// Spilled reports whether the index is on disk.
func (x *RefIndex) Spilled() bool { return x.file != nil }

// Close removes the index's files.
func (x *RefIndex) Close() error {
	var err error
	for _, f := range append(x.runs, x.file) {
		if f == nil {
			continue
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		_ = os.Remove(f.Name())
	}
	x.runs, x.file, x.ents = nil, nil, nil
	return err
}
