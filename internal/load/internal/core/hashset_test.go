package core

import "testing"

func TestHashSetAgreesWithAMap(t *testing.T) {
	var s HashSet
	want := map[uint64]bool{}
	for i := range uint64(100_000) {
		h := (i * 0x9E3779B97F4A7C15) % 70_001 // repeats, and 0 among them
		if s.Add(h) != want[h] {
			t.Fatalf("add(%d): dup=%v, want %v", h, !want[h], want[h])
		}
		want[h] = true
	}
	if hashSetLen(&s) != int64(len(want)) {
		t.Fatalf("%d hashes, want %d", hashSetLen(&s), len(want))
	}
}

func hashSetLen(s *HashSet) int64 {
	if s.zero {
		return int64(s.n) + 1
	}
	return int64(s.n)
}
