package core

import (
	"testing"

	"github.com/handover/handover/internal/load"
)

func TestHasherOfTakesTheCarriedFingerprint(t *testing.T) {
	var h Hasher
	r := load.Record{Values: []string{"a", "bc"}}
	want, _ := load.Fingerprint(r.Values, nil)
	if got := h.Of(&r); got != Fingerprint(want) {
		t.Errorf("computed %x, want %x", got, want)
	}
	r.Fingerprint, r.HasFingerprint = [load.FingerprintSize]byte{1, 2, 3}, true
	if got := h.Of(&r); got != Fingerprint(r.Fingerprint) {
		t.Errorf("carried %x, want %x", got, r.Fingerprint)
	}
}

func BenchmarkHasherOf(b *testing.B) {
	vals := []string{"C0000001", "MR", "Hans", "MÜLLER", "S0001", "Bahnhofstrasse 1", "8001", "Zürich", "CH",
		"+41441234567", "+41791234567", "hans.mueller@example.ch", "1980-02-01", "VIP", "1234.50", "a note", "2020-01-01T10:00:00Z", "DE", "true", "ACTIVE"}
	for _, carried := range []bool{false, true} {
		name := "computed"
		if carried {
			name = "carried"
		}
		b.Run(name, func(b *testing.B) {
			var h Hasher
			r := load.Record{Values: vals}
			if carried {
				fp, _ := load.Fingerprint(vals, nil)
				r.Fingerprint, r.HasFingerprint = fp, true
			}
			b.ReportAllocs()
			for b.Loop() {
				h.Of(&r)
			}
		})
	}
}
