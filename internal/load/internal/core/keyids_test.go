package core

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestKeyIDs adds keys of every length (empty, long, sharing prefixes,
// with bytes that are no UTF-8) past several doublings and finds each
// with its id, and no key it was not given.
func TestKeyIDs(t *testing.T) {
	k := NewKeyIDs()
	keys := map[string]int64{}
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range 50_000 {
		key := fmt.Sprint(i)
		switch i % 5 {
		case 1:
			key = strings.Repeat("k", rng.IntN(400)) + key
		case 2:
			key = "\xff\x00" + key
		case 3:
			key = key + "ä"
		}
		if i == 0 {
			key = ""
		}
		id := int64(i*7 - 3)
		k.Add(key, id)
		keys[key] = id
		if i%997 == 0 { // found while it grows
			if got, ok := k.Find(key); !ok || got != id {
				t.Fatalf("%q right after Add: %d, %v", key, got, ok)
			}
		}
	}
	if k.Len() != len(keys) {
		t.Errorf("Len %d, want %d", k.Len(), len(keys))
	}
	for key, id := range keys {
		if got, ok := k.Find(key); !ok || got != id {
			t.Fatalf("%q: %d, %v; want %d", key, got, ok, id)
		}
	}
	for _, key := range []string{"50000", "k", "\xff", "1ä ", "01"} {
		if got, ok := k.Find(key); ok {
			t.Errorf("%q was never added, found with %d", key, got)
		}
	}
}

// BenchmarkKeyLookup: a fix-up's lookups of the load's own keys at
// random, 1M keys, in a Book (as the direct path kept them before) and
// in KeyIDs.
func BenchmarkKeyLookup(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = fmt.Sprint(i)
	}
	book, ids := NewBook(), NewKeyIDs()
	for i, k := range keys {
		book.MarkSeen(book.Add(k, Fingerprint{}, int64(i)))
		ids.Add(k, int64(i))
	}
	// The links in the order the rows bring them, their text read in
	// that order too: the cache misses are the index's.
	links := make([]string, n)
	want := make([]int64, n)
	for i := range links {
		j := (i*7919 + 13) % n
		links[i], want[i] = fmt.Sprint(j), int64(j)
	}
	b.Run("book", func(b *testing.B) {
		i := 0
		for b.Loop() {
			e, ok := book.Find(links[i])
			if !ok || !book.IsSeen(e) || book.IDs[e] != want[i] {
				b.Fatal("lost")
			}
			i = (i + 1) % n
		}
	})
	b.Run("keyids", func(b *testing.B) {
		i := 0
		for b.Loop() {
			if id, ok := ids.Find(links[i]); !ok || id != want[i] {
				b.Fatal("lost")
			}
			i = (i + 1) % n
		}
	})
}
