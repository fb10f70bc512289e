package engine

import (
	"hash/maphash"
)

// keyIndex is the set of one entity's keys, or of one unique field's
// values, across the rows of a run: each value's first line and whether
// that row was rejected. In memory it keeps 12 bytes a slot — the value's
// 64-bit hash (its lowest bit the rejected mark) and the place of the value
// in a valueLog on disk — and verifies every hash match against the log,
// so two values with the same hash are still two values. Past its share of
// the memory budget the table is sorted and spilled to a run file (spill.go)
// and starts empty; lookups then also search the runs.
type keyIndex struct {
	seed   maphash.Seed
	budget *stateBudget
	log    *valueLog
	hashes []uint64 // 0 empty, else the hash with its lowest bit the rejected mark
	offs   []uint32 // the record in the log, / 8
	n      int
	runs   runSet
	sink   uint64 // what touch loaded, kept so that the loads stay
	// hashFn replaces maphash in tests that need colliding hashes.
	hashFn func(string) uint64
}

// stateBudget is the memory the run's key indexes may hold in their tables
// together; a table that would grow past it is spilled instead.
type stateBudget struct {
	dir   string // where logs and runs are written
	limit int64
	used  int64
}

const (
	minSlots   = 1 << 10
	minSpill   = 1 << 14 // a table this small grows past the budget rather than spill
	slotBytes  = 8 + 4
	rejectedID = 1
)

func newKeyIndex(b *stateBudget, seed maphash.Seed) (*keyIndex, error) {
	log, err := newValueLog(b.dir)
	if err != nil {
		return nil, err
	}
	k := &keyIndex{seed: seed, budget: b, log: log}
	k.alloc(minSlots)
	return k, nil
}

func (k *keyIndex) alloc(slots int) {
	k.budget.used += int64(slots-len(k.hashes)) * slotBytes
	k.hashes, k.offs = make([]uint64, slots), make([]uint32, slots)
}

// hash is v's hash with its lowest bit clear, never 0.
func (k *keyIndex) hash(v string) uint64 {
	var h uint64
	if k.hashFn != nil {
		h = k.hashFn(v) &^ rejectedID
	} else {
		h = maphash.String(k.seed, v) &^ rejectedID
	}
	if h == 0 {
		h = 2
	}
	return h
}

// slotOf is where a hash's probe starts: its bits above the rejected mark.
func slotOf(h, mask uint64) uint64 { return (h >> 1) & mask }

// found is what a lookup found: the first line of the value and whether
// that row was rejected.
type found struct {
	ok       bool
	line     int
	rejected bool
}

// lookup finds v in the table and the runs.
func (k *keyIndex) lookup(v string, h uint64) (found, int, error) {
	return k.find(h, func(off uint32) (bool, int, error) { return k.log.equal(off, v) })
}

// find looks for an entry with hash h that verify accepts; it returns the
// table slot where h would go when there is none.
func (k *keyIndex) find(h uint64, verify func(off uint32) (bool, int, error)) (found, int, error) {
	mask := uint64(len(k.hashes) - 1)
	s := slotOf(h, mask)
	for ; k.hashes[s] != 0; s = (s + 1) & mask {
		if k.hashes[s]&^rejectedID != h {
			continue
		}
		eq, line, err := verify(k.offs[s])
		if err != nil || eq {
			return found{ok: eq, line: line, rejected: k.hashes[s]&rejectedID != 0}, int(s), err
		}
	}
	f, err := k.runs.lookup(h, verify)
	return f, int(s), err
}

// touchEvery loads the slots where the probes for the hashes hs[from],
// hs[from+stride], … start (0: none), so that a batch of rows waits for
// its cache misses together rather than one row after the other
// (probes.go).
func (k *keyIndex) touchEvery(hs []uint64, from, stride int) {
	hashes, offs := k.hashes, k.offs
	mask := uint64(len(hashes) - 1)
	var x uint64
	for i := from; i < len(hs); i += stride {
		if h := hs[i]; h != 0 {
			s := slotOf(h, mask)
			x += hashes[s] + uint64(offs[s])
		}
	}
	k.sink += x
}

// hashOr is h, or v's hash when h is 0 (not computed beforehand).
func (k *keyIndex) hashOr(v string, h uint64) uint64 {
	if h == 0 {
		return k.hash(v)
	}
	return h
}

// get returns what the index holds for v.
func (k *keyIndex) get(v string) (found, error) { return k.getHashed(v, 0) }

// getHashed is get with v's hash h computed beforehand (0: not).
func (k *keyIndex) getHashed(v string, h uint64) (found, error) {
	f, _, err := k.lookup(v, k.hashOr(v, h))
	return f, err
}

// put records v as first seen on line (rejected: that row is rejected)
// unless the index holds it already; it then returns what it holds.
func (k *keyIndex) put(v string, line int, rejected bool) (found, error) {
	return k.putHashed(v, 0, line, rejected)
}

// putHashed is put with v's hash h computed beforehand (0: not).
func (k *keyIndex) putHashed(v string, h uint64, line int, rejected bool) (found, error) {
	h = k.hashOr(v, h)
	f, s, err := k.lookup(v, h)
	if err != nil || f.ok {
		return f, err
	}
	off, err := k.log.append(v, line)
	if err != nil {
		return found{}, err
	}
	if rejected {
		h |= rejectedID
	}
	k.hashes[s], k.offs[s] = h, off
	k.n++
	if 4*k.n > 3*len(k.hashes) {
		err = k.makeRoom()
	}
	return found{}, err
}

// An index of owned values (the unique values the environment holds)
// logs each value followed by its owner's key, the line field holding the
// value's length.

// putOwned records that owner holds v; an index is either owned or not.
func (k *keyIndex) putOwned(v, owner string) error {
	h := k.hash(v)
	_, s, err := k.find(h, func(uint32) (bool, int, error) { return false, 0, nil })
	if err != nil {
		return err
	}
	off, err := k.log.append(v+owner, len(v))
	if err != nil {
		return err
	}
	k.hashes[s], k.offs[s] = h, off
	k.n++
	if 4*k.n > 3*len(k.hashes) {
		err = k.makeRoom()
	}
	return err
}

// heldByOther reports whether a key other than key holds v, and which;
// h is v's hash computed beforehand (0: not).
func (k *keyIndex) heldByOther(v string, h uint64, key string) (string, bool, error) {
	var other string
	_, _, err := k.find(k.hashOr(v, h), func(off uint32) (bool, int, error) {
		n, data, err := k.log.record(off)
		if err != nil || n != len(v) || len(data) < n || string(data[:n]) != v {
			return false, 0, err
		}
		if owner := string(data[n:]); owner != key {
			other = owner
			return true, 0, nil
		}
		return false, 0, nil // held by key itself: look on for another holder
	})
	return other, other != "", err
}

// makeRoom doubles the table, or spills it when that would pass the budget.
func (k *keyIndex) makeRoom() error {
	grown := int64(len(k.hashes)) * slotBytes
	if k.n >= minSpill && k.budget.used+grown > k.budget.limit {
		if err := k.log.flush(); err != nil {
			return err
		}
		if err := k.runs.spill(k.budget.dir, k.hashes, k.offs, k.n); err != nil {
			return err
		}
		clear(k.hashes)
		k.n = 0
		return nil
	}
	hashes, offs := k.hashes, k.offs
	k.alloc(2 * len(hashes))
	mask := uint64(len(k.hashes) - 1)
	for i, h := range hashes {
		if h == 0 {
			continue
		}
		s := slotOf(h, mask)
		for k.hashes[s] != 0 {
			s = (s + 1) & mask
		}
		k.hashes[s], k.offs[s] = h, offs[i]
	}
	return nil
}

// close removes the index's files.
func (k *keyIndex) close() error {
	err := k.log.close()
	if rerr := k.runs.close(); err == nil {
		err = rerr
	}
	return err
}
