package engine

import (
	"math"
	"unsafe"

	"github.com/handover/handover/internal/format"
)

// A skipped row's references are checked on the collector like a
// transformed row's: each key is looked up in the referenced entity's
// skip index, a hash and three cache misses (slot, entry end, entry
// bytes) per reference, one after the other — 0.4 s of the collector's
// 1.0 s in a 1 % delta of a million contacts. The workers, which find the
// skipped row's own entry, look its references up too (the skip indexes
// of entities already run are read-only by then, except for the bits the
// collector sets, which the lookup does not read), so that the collector
// only reads the found entry's bits.

// refHints says where a skipped row's references are looked up.
type refHints struct {
	refs []refHint // per reference field, in field order
	any  bool      // some referenced entity has a skip index
}

type refHint struct {
	pos   int        // the field's place among the cross values
	index *skipIndex // the referenced entity's skip index; nil: none
}

// newRefHints returns the hints of e's references; cross are e's cross
// fields (crossFields).
func newRefHints(e *format.Entity, cross []int, st *runState) refHints {
	var h refHints
	for i, f := range e.Fields {
		if f.Type != format.Ref {
			continue
		}
		rf := refHint{pos: -1}
		for p, c := range cross {
			if c == i {
				rf.pos = p
			}
		}
		if ek := st.entities[f.Entity]; ek != nil && rf.pos >= 0 {
			rf.index = ek.skip
		}
		h.any = h.any || rf.index != nil
		h.refs = append(h.refs, rf)
	}
	return h
}

// find looks up the references of the skipped row r, whose entry in x is
// e, and sets r.refs; slab is the batch's room for them (a batch of rows
// rows), returned with r's part cut off. Safe for concurrent use.
func (h refHints) find(x *skipIndex, e int, r *rowResult, slab []int32, rows int) []int32 {
	n := len(h.refs)
	if !h.any {
		return slab
	}
	if len(slab) < n {
		slab = make([]int32, n*max(rows, 1))
	}
	out := slab[:n:n]
	for j, rf := range h.refs {
		if rf.index == nil {
			continue
		}
		v := x.value(e, rf.pos)
		if len(v) == 0 {
			continue
		}
		k, ok := rf.index.keyEntry(unsafe.String(&v[0], len(v)))
		switch {
		case !ok:
			out[j] = -1
		case k < math.MaxInt32:
			out[j] = int32(k + 1)
		}
	}
	r.refs = out
	return slab[n:]
}

// refHint is the entry of r's n-th reference in the referenced skip index
// (entityKeys.getHinted): only a row the collector took as skipped has
// one.
func (r *rowResult) refHint(n int) int32 {
	if r.skip == 0 || n >= len(r.refs) {
		return 0
	}
	return r.refs[n]
}
