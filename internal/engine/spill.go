package engine

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"sort"
)

// A run is a key index's table spilled to disk: its entries (hash, log
// offset; 12 bytes each) sorted by hash in a file, the first hash of every
// block of runBlock entries in memory, and a Bloom filter (about 10 bits an
// entry) that answers most lookups of a value the run does not hold without
// reading the file. Runs merge like the digits of a base-mergeFan counter:
// mergeFan runs of one level become one run of the next (an external
// merge, each file read once, in order), so an entry is rewritten about
// log4(spills) times and a lookup checks at most 3 runs a level.
type run struct {
	f      *os.File
	n      int
	level  int
	sparse []uint64 // first hash (rejected mark clear) of each block
	bloom  bloom
}

const (
	runBlock = 256
	entBytes = 12
	mergeFan = 4
)

type runSet struct {
	runs  []*run
	block []byte // a block read from a run file
}

// spill writes the table's n entries as a new run.
func (rs *runSet) spill(dir string, hashes []uint64, offs []uint32, n int) error {
	type ent struct {
		h   uint64
		off uint32
	}
	ents := make([]ent, 0, n)
	for i, h := range hashes {
		if h != 0 {
			ents = append(ents, ent{h, offs[i]})
		}
	}
	slices.SortFunc(ents, func(a, b ent) int {
		switch {
		case a.h < b.h:
			return -1
		case a.h > b.h:
			return 1
		}
		return 0
	})
	w, err := newRunWriter(dir, len(ents))
	if err != nil {
		return err
	}
	for _, e := range ents {
		w.add(e.h, e.off)
	}
	r, err := w.finish()
	if err != nil {
		return err
	}
	rs.runs = append(rs.runs, r)
	for {
		last := len(rs.runs) - 1
		from := last
		for from > 0 && rs.runs[from-1].level == rs.runs[last].level {
			from--
		}
		if last-from+1 < mergeFan {
			return nil
		}
		if err := rs.merge(dir, from); err != nil {
			return err
		}
	}
}

// lookup searches the runs for a hash whose entry verify accepts.
func (rs *runSet) lookup(h uint64, verify func(off uint32) (bool, int, error)) (found, error) {
	for _, r := range rs.runs {
		if !r.bloom.has(h) {
			continue
		}
		start := max(sort.Search(len(r.sparse), func(i int) bool { return r.sparse[i] >= h })-1, 0)
		for b := start; b < len(r.sparse) && r.sparse[b] <= h; b++ {
			ents, err := rs.read(r, b)
			if err != nil {
				return found{}, err
			}
			for i := 0; i < len(ents); i += entBytes {
				e := binary.LittleEndian.Uint64(ents[i:])
				if e&^rejectedID < h {
					continue
				}
				if e&^rejectedID > h {
					break
				}
				eq, line, err := verify(binary.LittleEndian.Uint32(ents[i+8:]))
				if err != nil || eq {
					return found{ok: eq, line: line, rejected: e&rejectedID != 0}, err
				}
			}
		}
	}
	return found{}, nil
}

// read returns block b of run r.
func (rs *runSet) read(r *run, b int) ([]byte, error) {
	n := min(runBlock, r.n-b*runBlock) * entBytes
	if cap(rs.block) < runBlock*entBytes {
		rs.block = make([]byte, runBlock*entBytes)
	}
	buf := rs.block[:n]
	if _, err := r.f.ReadAt(buf, int64(b)*runBlock*entBytes); err != nil {
		return nil, fmt.Errorf("read a spilled key run: %w", err)
	}
	return buf, nil
}

// merge replaces the runs from index from on by one of the next level.
func (rs *runSet) merge(dir string, from int) error {
	old := rs.runs[from:]
	total := 0
	ins := make([]*bufio.Reader, len(old))
	heads := make([]uint64, len(old))
	offs := make([]uint32, len(old))
	left := make([]int, len(old))
	var ent [entBytes]byte
	next := func(i int) error {
		if left[i] == 0 {
			return nil
		}
		if _, err := io.ReadFull(ins[i], ent[:]); err != nil {
			return fmt.Errorf("merge spilled key runs: %w", err)
		}
		heads[i], offs[i] = binary.LittleEndian.Uint64(ent[:]), binary.LittleEndian.Uint32(ent[8:])
		left[i]--
		return nil
	}
	live := make([]bool, len(old))
	for i, r := range old {
		total += r.n
		ins[i] = bufio.NewReaderSize(io.NewSectionReader(r.f, 0, int64(r.n)*entBytes), 64<<10)
		left[i] = r.n
		live[i] = r.n > 0
		if err := next(i); err != nil {
			return err
		}
	}
	w, err := newRunWriter(dir, total)
	if err != nil {
		return err
	}
	for {
		best := -1
		for i := range heads {
			if live[i] && (best < 0 || heads[i] < heads[best]) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		w.add(heads[best], offs[best])
		if left[best] == 0 {
			live[best] = false
		} else if err := next(best); err != nil {
			w.abandon()
			return err
		}
	}
	merged, err := w.finish()
	if err != nil {
		return err
	}
	merged.level = old[0].level + 1
	err = removeRuns(old)
	rs.runs = append(rs.runs[:from], merged)
	return err
}

func (rs *runSet) close() error {
	err := removeRuns(rs.runs)
	rs.runs = nil
	return err
}

func removeRuns(runs []*run) error {
	var err error
	for _, r := range runs {
		if cerr := removeFile(r.f); err == nil {
			err = cerr
		}
	}
	return err
}

// tempFile creates a file in dir and unlinks it at once: it lives while
// open, and a killed run leaves nothing behind. Where an open file cannot
// be unlinked (Windows) removeFile removes it.
func tempFile(dir, pattern string) (*os.File, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	return f, nil
}

func removeFile(f *os.File) error {
	err := f.Close()
	if rerr := os.Remove(f.Name()); err == nil && !errors.Is(rerr, fs.ErrNotExist) {
		err = rerr
	}
	return err
}

// runWriter writes a run's sorted entries.
type runWriter struct {
	r   *run
	w   *bufio.Writer
	buf [entBytes]byte
}

func newRunWriter(dir string, n int) (*runWriter, error) {
	f, err := tempFile(dir, "handover-keys-run-*")
	if err != nil {
		return nil, fmt.Errorf("spill keys to disk: %w", err)
	}
	r := &run{f: f, bloom: newBloom(n)}
	return &runWriter{r: r, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

func (w *runWriter) add(h uint64, off uint32) {
	if w.r.n%runBlock == 0 {
		w.r.sparse = append(w.r.sparse, h&^rejectedID)
	}
	w.r.bloom.add(h &^ rejectedID)
	binary.LittleEndian.PutUint64(w.buf[:], h)
	binary.LittleEndian.PutUint32(w.buf[8:], off)
	w.w.Write(w.buf[:]) // the error is kept by the writer and returned by Flush
	w.r.n++
}

func (w *runWriter) finish() (*run, error) {
	if err := w.w.Flush(); err != nil {
		w.abandon()
		return nil, fmt.Errorf("spill keys to disk: %w", err)
	}
	return w.r, nil
}

func (w *runWriter) abandon() { _ = removeFile(w.r.f) }

// bloom is a split-block Bloom filter: a hash sets one bit in each of the
// 8 words of one 32-byte block, about 1 % false positives at 10 bits an
// entry, one cache line a lookup.
type bloom struct{ blocks [][8]uint32 }

var bloomSalt = [8]uint32{0x47b6137b, 0x44974d91, 0x8824ad5b, 0xa2b7289d, 0x705495c7, 0x2df1424b, 0x9efc4947, 0x5c6bfb31}

func newBloom(n int) bloom {
	return bloom{blocks: make([][8]uint32, max(1, (n*10+255)/256))}
}

func (b *bloom) add(h uint64) {
	blk := &b.blocks[(h>>32)*uint64(len(b.blocks))>>32]
	x := uint32(h >> 1)
	for i := range blk {
		blk[i] |= 1 << ((x * bloomSalt[i]) >> 27)
	}
}

func (b *bloom) has(h uint64) bool {
	blk := &b.blocks[(h>>32)*uint64(len(b.blocks))>>32]
	x := uint32(h >> 1)
	for i := range blk {
		if blk[i]&(1<<((x*bloomSalt[i])>>27)) == 0 {
			return false
		}
	}
	return true
}
