package report

// valueSet counts a column's distinct values by their 64-bit hash, in an
// open-addressing table: a lookup touches one slot, which is what keeps the
// profiler's hot path cheap. Two different values with the same hash would
// be counted as one; with a random seed and at most MaxDistinct values per
// column the odds are about 1 in 10^11.
type valueSet struct {
	slots []slot // power-of-two length; h == 0 marks a free slot
	n     int    // used slots
}

type slot struct {
	h uint64 // the value's hash, never 0
	n int64  // rows holding the value
}

const minSlots = 16

// inc counts one more row of the value with hash h and reports whether the
// value is new.
func (s *valueSet) inc(h uint64) (isNew bool) {
	h |= 1 // keep 0 for free slots
	if s.slots == nil {
		s.slots = make([]slot, minSlots)
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i].h {
		case h:
			s.slots[i].n++
			return false
		case 0:
			s.slots[i] = slot{h: h, n: 1}
			s.n++
			if s.n*4 >= len(s.slots)*3 {
				s.grow()
			}
			return true
		}
	}
}

// count returns the rows counted for the value with hash h.
func (s *valueSet) count(h uint64) int64 {
	h |= 1
	if s.slots == nil {
		return 0
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i].h {
		case h:
			return s.slots[i].n
		case 0:
			return 0
		}
	}
}

func (s *valueSet) grow() {
	old := s.slots
	s.slots = make([]slot, 2*len(old))
	mask := uint64(len(s.slots) - 1)
	for _, o := range old {
		if o.h == 0 {
			continue
		}
		i := o.h & mask
		for s.slots[i].h != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = o
	}
}
