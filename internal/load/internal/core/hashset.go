package core

// HashSet is a set of 64-bit hashes in one open-addressing table: 16 bytes
// a key at most (half the slots empty), where a map[uint64]struct{} takes
// about twice that, and no allocation per insert.
type HashSet struct {
	slots []uint64 // 0 is an empty slot; the hash 0 is kept in zero
	n     int
	zero  bool
}

// Add inserts h and reports whether it was there already.
func (s *HashSet) Add(h uint64) bool {
	if h == 0 {
		dup := s.zero
		s.zero = true
		return dup
	}
	if 2*(s.n+1) > len(s.slots) {
		s.grow()
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case h:
			return true
		case 0:
			s.slots[i] = h
			s.n++
			return false
		}
	}
}

func (s *HashSet) grow() {
	old := s.slots
	s.slots = make([]uint64, max(1024, 2*len(old)))
	mask := uint64(len(s.slots) - 1)
	for _, h := range old {
		if h == 0 {
			continue
		}
		i := h & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = h
	}
}
