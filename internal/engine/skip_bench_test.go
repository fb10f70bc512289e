package engine

import (
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/zeebo/xxh3"
)

// BenchmarkSkipIndex is a delta's skip index of benchRows contacts (a key,
// an e-mail address and a structure reference each), read from the
// bookkeeping (add, finish) and then asked, as a delta asks it, for every
// row's raw fingerprint, every key (the sweep, the environment's e-mail
// addresses) and every reference (the structures' index).
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
	b.Run("build", func(b *testing.B) {
		for range b.N {
			x := newSkipIndex(0)
			for i, e := range entries {
				x.add(i, e.key, e.fp, e.skip, 2)
			}
			x.finish()
			if len(x.raws) != n {
				b.Fatalf("%d entries", len(x.raws))
			}
		}
	})
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
}
