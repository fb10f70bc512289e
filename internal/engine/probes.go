package engine

import "github.com/handover/handover/internal/format"

// The cross-row checks look up each row's key, unique values and
// references in key indexes of up to millions of slots, and each lookup's
// first slot is a cache miss. Checked one row after the other, the misses
// are waited for one at a time; prepare hashes a whole batch's values
// first and touches every lookup's first slot in one pass, so the misses
// overlap, and check then uses the hashes computed here.

// The positions in a row's hashes: the key, the seen and held index of
// each unique field, then each reference field in field order.
const keyProbe = 0

func seenProbe(j int) int { return 1 + 2*j }
func heldProbe(j int) int { return 2 + 2*j }

// refProbe is the position of the first reference, after nunique unique
// fields.
func refProbe(nunique int) int { return 1 + 2*nunique }

// hashAt is the hash at position p of a row's hashes; 0 when prepare
// computed none.
func hashAt(hs []uint64, p int) uint64 {
	if hs == nil {
		return 0
	}
	return hs[p]
}

// batchHashes are the hashes prepare computed for a batch's rows, stride
// a row.
type batchHashes struct {
	stride int
	hs     []uint64
	idx    []*keyIndex // the index of each position (nil: none)
}

// row is row i's hashes.
func (b *batchHashes) row(i int) []uint64 {
	return b.hs[i*b.stride : (i+1)*b.stride]
}

// prepare hashes the checked values of b's rows that the workers
// transformed — a row found in the skip index is settled only by the
// collector (lateTransform), so its hashes are left 0 and computed when
// checked — and touches the slot where each value's lookup starts. The
// result is reused by the next batch.
func (k *entityKeys) prepare(e *format.Entity, s *runState, b *batch) *batchHashes {
	bh := &k.hashes
	base := refProbe(len(k.unique))
	bh.idx = bh.idx[:0]
	bh.idx = append(bh.idx, k.keys)
	for _, u := range k.unique {
		bh.idx = append(bh.idx, u.seen, u.held)
	}
	var refs []int
	for i, f := range e.Fields {
		if f.Type == format.Ref {
			refs = append(refs, i)
			var idx *keyIndex
			if ek := s.entities[f.Entity]; ek != nil {
				idx = ek.keys
			}
			bh.idx = append(bh.idx, idx)
		}
	}
	bh.stride = len(bh.idx)
	n := len(b.rows) * bh.stride
	if cap(bh.hs) < n {
		bh.hs = make([]uint64, n)
	}
	bh.hs = bh.hs[:n]
	clear(bh.hs)
	ki := e.KeyIndex()
	for i := range b.results {
		r := &b.results[i]
		if r.values == nil || r.filtered || r.skip != 0 {
			continue
		}
		hs := bh.row(i)
		if ki >= 0 {
			hs[keyProbe] = hashOf(k.keys, r.values[ki])
		}
		for j, u := range k.unique {
			v := r.values[u.index]
			hs[seenProbe(j)] = hashOf(u.seen, v)
			hs[heldProbe(j)] = hashOf(u.held, v)
		}
		for n, fi := range refs {
			hs[base+n] = hashOf(bh.idx[base+n], r.values[fi])
		}
	}
	for p, idx := range bh.idx {
		if idx != nil {
			idx.touchEvery(bh.hs, p, bh.stride)
		}
	}
	return bh
}

// hashOf is v's hash in idx; 0 (none) for an empty value or no index.
func hashOf(idx *keyIndex, v string) uint64 {
	if idx == nil || v == "" {
		return 0
	}
	return idx.hash(v)
}
