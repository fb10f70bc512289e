package core

import (
	"fmt"
	"hash/maphash"
	"testing"
)

// TestRefIndex fills an index in memory and one that spills every 1024
// keys, with hashes made to collide for a few keys, and looks every key
// up, and keys it does not hold.
func TestRefIndex(t *testing.T) {
	const n = 20_000
	for _, memory := range []int64{0, 1024 * refEntBytes} {
		t.Run(fmt.Sprintf("memory %d", memory), func(t *testing.T) {
			x := NewRefIndex(t.TempDir(), memory)
			defer x.Close()
			seed := maphash.MakeSeed()
			x.hashFn = func(k string) uint64 {
				switch k {
				case "k7", "k8", "k9": // one hash for three keys
					return 42
				case "k100", "missing-1": // a key and one the index does not hold
					return 43
				}
				return maphash.String(seed, k)
			}
			x.Grow(n)
			for i := range n {
				if err := x.Add(fmt.Sprint("k", i), int64(i)*10); err != nil {
					t.Fatal(err)
				}
			}
			amb, err := x.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if amb != 1 {
				t.Fatalf("ambiguous hashes: %d, want 1", amb)
			}
			if x.Spilled() != (memory > 0) {
				t.Errorf("spilled: %v with a memory share of %d", x.Spilled(), memory)
			}
			for i := range n { // the loader's second pass
				x.Resolve(fmt.Sprint("k", i), int64(i)*10)
			}
			for i := range n {
				k := fmt.Sprint("k", i)
				id, ok, err := x.Find(k)
				if err != nil || !ok || id != int64(i)*10 {
					t.Fatalf("Find(%s) = %d, %v, %v; want %d", k, id, ok, err, i*10)
				}
			}
			for _, k := range []string{"missing-0", "k20000", ""} {
				if id, ok, err := x.Find(k); ok || err != nil {
					t.Errorf("Find(%q) = %d, %v, %v; want not found", k, id, ok, err)
				}
			}
			// Not verified: a missing key whose hash is a held key's.
			if id, ok, _ := x.Find("missing-1"); !ok || id != 1000 {
				t.Errorf("Find(missing-1) = %d, %v: the index does not keep keys, want k100's id", id, ok)
			}
		})
	}
}

func TestRefIndexEmpty(t *testing.T) {
	x := NewRefIndex(t.TempDir(), 0)
	if _, err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := x.Find("a"); ok || err != nil {
		t.Errorf("Find in an empty index: %v, %v", ok, err)
	}
}

// TestRefIndexAddBytes: a key added as bytes is found by its string.
func TestRefIndexAddBytes(t *testing.T) {
	x := NewRefIndex(t.TempDir(), 0)
	defer x.Close()
	for i := range 100 {
		if err := x.AddBytes([]byte(fmt.Sprint("k", i)), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := x.Finish(); err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		if id, ok, err := x.Find(fmt.Sprint("k", i)); !ok || err != nil || id != int64(i) {
			t.Errorf("Find(k%d) = %d, %v, %v, want %d", i, id, ok, err, i)
		}
	}
}
