package core

import (
	"strconv"
	"testing"
)

func TestBookIndex(t *testing.T) {
	b := NewBook()
	const n = 5000 // several doublings
	for i := range n {
		key := "K" + strconv.Itoa(i)
		if _, ok := b.Find(key); ok {
			t.Fatalf("%s found before it was added", key)
		}
		fp := Fingerprint{byte(i), byte(i >> 8)}
		if e := b.Add(key, fp, int64(i*10)); e != i {
			t.Fatalf("add(%s) = entry %d, want %d", key, e, i)
		}
	}
	for i := range n {
		key := "K" + strconv.Itoa(i)
		e, ok := b.Find(key)
		if !ok || b.IDs[e] != int64(i*10) || b.FPs[e] != (Fingerprint{byte(i), byte(i >> 8)}) || string(b.Key(e)) != key {
			t.Fatalf("find(%s) = %d, %v", key, e, ok)
		}
	}
	for _, missing := range []string{"", "K", "K5000", "k1", "K01"} {
		if _, ok := b.Find(missing); ok {
			t.Errorf("find(%q) found a key never added", missing)
		}
	}
	b.MarkSeen(63)
	b.MarkSeen(64)
	if !b.IsSeen(63) || !b.IsSeen(64) || b.IsSeen(65) || b.IsSeen(0) {
		t.Error("seen bits wrong")
	}
	b.Unsee()
	if b.IsSeen(63) || b.Len() != n {
		t.Error("unsee kept a bit, or lost entries")
	}
}

// BenchmarkBook is a loader's use of the book in a first import of a
// million keys: each key looked up (absent), then added; then each looked
// up again (present), as a reference to it is.
func BenchmarkBook(b *testing.B) {
	const n = 1_000_000
	keys := make([]string, n)
	for i := range keys {
		keys[i] = "K" + strconv.Itoa(i*7919%n+n)
	}
	for range b.N {
		book := NewBook()
		for i, k := range keys {
			if _, ok := book.Find(k); ok {
				b.Fatal("found before added")
			}
			book.Add(k, Fingerprint{}, int64(i))
		}
		for _, k := range keys {
			if _, ok := book.Find(k); !ok {
				b.Fatal("not found")
			}
		}
	}
}

// TestBookAppendPlace: a book read with Append and placed once finds
// what Add would, and takes Add's new keys after it.
func TestBookAppendPlace(t *testing.T) {
	b := NewBook()
	const n = 5000
	for i := range n {
		b.Append([]byte("K"+strconv.Itoa(i)), Fingerprint{byte(i)}, int64(i*10))
	}
	b.Place()
	for i := range n {
		key := "K" + strconv.Itoa(i)
		if e, ok := b.Find(key); !ok || e != i || b.IDs[e] != int64(i*10) || b.FPs[e] != (Fingerprint{byte(i)}) {
			t.Fatalf("find(%s) = %d, %v", key, e, ok)
		}
	}
	if _, ok := b.Find("K5000"); ok {
		t.Fatal("found a key never appended")
	}
	if e := b.Add("K5000", Fingerprint{}, 1); e != n {
		t.Fatalf("add after place = entry %d", e)
	}
	for _, key := range []string{"K0", "K4999", "K5000"} {
		if _, ok := b.Find(key); !ok {
			t.Errorf("%s lost after add", key)
		}
	}
	b.MarkSeen(n)
	if !b.IsSeen(n) || b.IsSeen(n-1) {
		t.Error("seen bits wrong")
	}
}

// TestBookCompact: Compact gives back the room a grown book has beyond a
// sixteenth of its entries, and keeps a book sized beforehand within that
// as it is (no copy); a book sized without its keys' bytes reserves them
// once from its first keys'.
func TestBookCompact(t *testing.T) {
	const n = 2000
	sized, unknown := NewSizedBook(n, 6*n), NewSizedBook(n, 0)
	grown := NewBook()
	for i := range n - 10 {
		key := []byte("K" + strconv.Itoa(10000+i))
		sized.Append(key, Fingerprint{}, int64(i))
		grown.Append(key, Fingerprint{}, int64(i))
		unknown.Append(key, Fingerprint{}, int64(i))
		if i == bookSample {
			if c := cap(unknown.keys); c < 6*n || c > 8*n {
				t.Errorf("keys reserved from the first %d: %d bytes, want about %d", bookSample, c, 6*n)
			}
		}
	}
	if c := cap(unknown.keys); c < 6*n || c > 8*n {
		t.Errorf("keys grew past the reserve: %d bytes, want about %d", c, 6*n)
	}
	fps := &sized.FPs[0]
	sized.Compact()
	grown.Compact()
	if &sized.FPs[0] != fps || cap(sized.FPs) != n || cap(sized.IDs) != n {
		t.Errorf("sized book copied: %d of %d fingerprints", len(sized.FPs), cap(sized.FPs))
	}
	for _, c := range [][2]int{{len(grown.FPs), cap(grown.FPs)}, {len(grown.IDs), cap(grown.IDs)}, {len(grown.keys), cap(grown.keys)}, {len(grown.ends), cap(grown.ends)}} {
		if c[1]-c[0] > c[0]/16 {
			t.Errorf("grown book keeps room: %d of %d", c[0], c[1])
		}
	}
	grown.Place()
	if i, ok := grown.Find("K11989"); !ok || grown.IDs[i] != 1989 {
		t.Error("K11989 not found after Compact")
	}
}
