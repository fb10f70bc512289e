package load

import (
	"strconv"
	"testing"
)

func TestBookIndex(t *testing.T) {
	b := newBookIndex()
	const n = 5000 // several doublings
	for i := range n {
		key := "K" + strconv.Itoa(i)
		if _, ok := b.find(key); ok {
			t.Fatalf("%s found before it was added", key)
		}
		fp := fingerprint{byte(i), byte(i >> 8)}
		if e := b.add(key, fp, int64(i*10)); e != i {
			t.Fatalf("add(%s) = entry %d, want %d", key, e, i)
		}
	}
	for i := range n {
		key := "K" + strconv.Itoa(i)
		e, ok := b.find(key)
		if !ok || b.ids[e] != int64(i*10) || b.fps[e] != (fingerprint{byte(i), byte(i >> 8)}) || string(b.key(e)) != key {
			t.Fatalf("find(%s) = %d, %v", key, e, ok)
		}
	}
	for _, missing := range []string{"", "K", "K5000", "k1", "K01"} {
		if _, ok := b.find(missing); ok {
			t.Errorf("find(%q) found a key never added", missing)
		}
	}
	b.markSeen(63)
	b.markSeen(64)
	if !b.isSeen(63) || !b.isSeen(64) || b.isSeen(65) || b.isSeen(0) {
		t.Error("seen bits wrong")
	}
	b.unsee()
	if b.isSeen(63) || b.len() != n {
		t.Error("unsee kept a bit, or lost entries")
	}
}
