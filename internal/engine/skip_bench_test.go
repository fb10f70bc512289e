package engine

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/zeebo/xxh3"
)

// BenchmarkSkipIndex is a delta's skip index of benchRows contacts (a key,
// an e-mail address and a structure reference each), read from the
// bookkeeping (build: expect, add, finish; grow: without expect), then asked through the slot tables
// for every row's raw fingerprint and key (lookups), and for every raw
// fingerprint and e-mail address in the bookkeeping's order, trying the
// entry after the last one found first, as the workers and confirm meet
// them when the source is sorted by key (near).
func BenchmarkSkipIndex(b *testing.B) {
	n := benchRows()
	type entry struct{ key, fp, skip []byte }
	entries := make([]entry, n)
	raws := make([]rawFP, n)
	for i := range entries {
		key := fmt.Sprintf("C%07d", i*7919%n)
		u := xxh3.Hash128([]byte(key))
		raws[i] = rawFP{hi: u.Hi, lo: u.Lo}
		var fp [16]byte
		binary.BigEndian.PutUint64(fp[:], uint64(i))
		skip := append(raws[i].bytes(nil), fp[:]...)
		for _, v := range []string{key + "@example.ch", fmt.Sprintf("S%06d", i%(n/10+1))} {
			skip = binary.AppendUvarint(skip, uint64(len(v)))
			skip = append(skip, v...)
		}
		entries[i] = entry{[]byte(key), fp[:], skip}
	}
	// build: allocated for the count the backends give (expect); grow:
	// without it.
	for _, c := range []struct {
		name   string
		expect int
	}{{"build", n}, {"grow", 0}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				x := newSkipIndex(0)
				x.expect(c.expect)
				for i, e := range entries {
					x.add(i, e.key, e.fp, e.skip, 2)
				}
				x.finish()
				if len(x.raws) != n {
					b.Fatalf("%d entries", len(x.raws))
				}
			}
		})
	}
	b.Run("lookups", func(b *testing.B) {
		x := newSkipIndex(0)
		for i, e := range entries {
			x.add(i, e.key, e.fp, e.skip, 2)
		}
		x.finish()
		b.ResetTimer()
		for range b.N {
			for i, r := range raws {
				if _, ok := x.find(r); !ok {
					b.Fatal("raw not found")
				}
				if _, ok := x.keyEntry(string(entries[i].key)); !ok {
					b.Fatal("key not found")
				}
			}
		}
	})
	// The rows in the order of the bookkeeping, as the workers and
	// confirm meet them when the source is sorted by key.
	b.Run("near", func(b *testing.B) {
		x := newSkipIndex(0)
		for i, e := range entries {
			x.add(i, e.key, e.fp, e.skip, 2)
		}
		x.finish()
		b.ResetTimer()
		for range b.N {
			next := -1
			for _, r := range raws {
				e, ok := x.findNear(r, next)
				if !ok {
					b.Fatal("raw not found")
				}
				next = e + 1
			}
			x.confirmNext = 0
			for _, e := range entries {
				x.confirm(0, string(e.key)+"@example.ch", string(e.key))
			}
		}
	})
}
