package files

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"
)

func TestDirStore(t *testing.T) { testStore(t, func(t *testing.T) Store { return newDirStore(t) }) }

func TestS3Store(t *testing.T) { testStore(t, func(t *testing.T) Store { return newS3Store(t) }) }

// testStore is the conformance suite every Store passes.
func testStore(t *testing.T, newStore func(t *testing.T) Store) {
	ctx := context.Background()
	t.Run("empty", func(t *testing.T) {
		s := newStore(t)
		objs, err := s.List(ctx, "")
		if err != nil || len(objs) != 0 {
			t.Fatalf("List of a new store = %v, %v; want nothing", objs, err)
		}
		if _, err := s.Stat(ctx, "nope.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat missing: %v, want fs.ErrNotExist", err)
		}
		if _, err := s.Open(ctx, "nope.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Open missing: %v, want fs.ErrNotExist", err)
		}
		if err := s.Remove(ctx, "nope.pdf"); err != nil {
			t.Errorf("Remove missing: %v, want nil", err)
		}
	})
	t.Run("put stat open list", func(t *testing.T) { testPutAndRead(t, newStore(t)) })
	t.Run("overwrite", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/x.pdf", []byte("first version"))
		put(t, s, "a/x.pdf", []byte("second, longer version"))
		if got := read(t, s, "a/x.pdf"); string(got) != "second, longer version" {
			t.Errorf("content after overwrite = %q", got)
		}
		o, err := s.Stat(ctx, "a/x.pdf")
		if err != nil || o.SHA256 != sum([]byte("second, longer version")) || o.Size != 22 {
			t.Errorf("Stat after overwrite = %+v, %v", o, err)
		}
	})
	t.Run("remove", func(t *testing.T) {
		s := newStore(t)
		put(t, s, "a/x.pdf", []byte("x"))
		put(t, s, "a/y.pdf", []byte("y"))
		if err := s.Remove(ctx, "a/x.pdf"); err != nil {
			t.Fatal(err)
		}
		objs, err := s.List(ctx, "")
		if err != nil || !slices.Equal(paths(objs), []string{"a/y.pdf"}) {
			t.Errorf("List after Remove = %v, %v", paths(objs), err)
		}
		if _, err := s.Stat(ctx, "a/x.pdf"); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat removed: %v, want fs.ErrNotExist", err)
		}
	})
	t.Run("bad paths", func(t *testing.T) {
		s := newStore(t)
		for _, p := range []string{"", "/abs", "a//b", "a/", "../up", "a/./b", ".handover-sha256/x", "a/.handover-tmp-1"} {
			if err := s.Put(ctx, p, strings.NewReader("x"), 1, sum([]byte("x"))); err == nil {
				t.Errorf("Put(%q) succeeded, want an error", p)
			}
		}
		if err := s.Put(ctx, "a", strings.NewReader("x"), 1, "not-a-hash"); err == nil {
			t.Error("Put with a malformed sha256 succeeded")
		}
		expectNothing(t, s)
	})
	t.Run("refuses wrong content", func(t *testing.T) { testRefusesWrongContent(t, newStore(t)) })
	t.Run("interrupted put", func(t *testing.T) { testInterruptedPut(t, newStore(t)) })
	t.Run("multipart", func(t *testing.T) {
		s := newStore(t)
		big := randomBytes(t, 2*testPartSize+12345)
		put(t, s, "big.bin", big)
		objs, err := s.List(ctx, "")
		if err != nil || len(objs) != 1 || objs[0].SHA256 != sum(big) || objs[0].Size != int64(len(big)) {
			t.Fatalf("List after a multipart put = %+v, %v", objs, err)
		}
		if !bytes.Equal(read(t, s, "big.bin"), big) {
			t.Error("multipart object content differs")
		}
	})
}

func testPutAndRead(t *testing.T, s Store) {
	ctx := context.Background()
	files := map[string][]byte{
		"b.pdf":          []byte("bee"),
		"a/z.txt":        []byte("zed"),
		"a/b/c.bin":      randomBytes(t, 70000),
		"a.b":            []byte("dot"), // sorts between "a/…" and "b" by bytes: '.' < '/'
		"ab/empty.txt":   {},
		"ümlaut/ä ö.doc": []byte("unicode"),
	}
	for p, data := range files {
		put(t, s, p, data)
	}
	objs, err := s.List(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a.b", "a/b/c.bin", "a/z.txt", "ab/empty.txt", "b.pdf", "ümlaut/ä ö.doc"}
	if !slices.Equal(paths(objs), want) {
		t.Fatalf("List = %v\nwant %v", paths(objs), want)
	}
	for _, o := range objs {
		if o.Size != int64(len(files[o.Path])) || o.SHA256 != sum(files[o.Path]) || o.ModTime.IsZero() {
			t.Errorf("listed %+v, want size %d sha256 %s", o, len(files[o.Path]), sum(files[o.Path]))
		}
		st, err := s.Stat(ctx, o.Path)
		if err != nil || st.Size != o.Size || st.SHA256 != o.SHA256 {
			t.Errorf("Stat(%s) = %+v, %v; listed %+v", o.Path, st, err, o)
		}
		if got := read(t, s, o.Path); !bytes.Equal(got, files[o.Path]) {
			t.Errorf("Open(%s) read %d bytes, want %d", o.Path, len(got), len(files[o.Path]))
		}
	}
	for prefix, want := range map[string][]string{
		"a/":  {"a/b/c.bin", "a/z.txt"},
		"a":   {"a.b", "a/b/c.bin", "a/z.txt", "ab/empty.txt"},
		"a/b": {"a/b/c.bin"},
		"zz/": nil,
	} {
		objs, err := s.List(ctx, prefix)
		if err != nil || !slices.Equal(paths(objs), want) {
			t.Errorf("List(%q) = %v, %v; want %v", prefix, paths(objs), err, want)
		}
	}
}

// testRefusesWrongContent: a source that is not what the manifest says is
// never stored, and an older object survives the attempt.
func testRefusesWrongContent(t *testing.T, s Store) {
	ctx := context.Background()
	put(t, s, "keep.pdf", []byte("old content"))
	data := []byte("new content")
	cases := []struct {
		name string
		size int64
		sha  string
	}{
		{"wrong hash", int64(len(data)), sum([]byte("something else"))},
		{"source shorter than size", int64(len(data)) + 5, sum(data)},
		{"source longer than size", int64(len(data)) - 1, sum(data[:len(data)-1])},
	}
	for _, c := range cases {
		for _, p := range []string{"keep.pdf", "fresh.pdf"} {
			if err := s.Put(ctx, p, bytes.NewReader(data), c.size, c.sha); err == nil {
				t.Errorf("%s: Put(%s) succeeded", c.name, p)
			}
		}
	}
	objs, err := s.List(ctx, "")
	if err != nil || !slices.Equal(paths(objs), []string{"keep.pdf"}) {
		t.Fatalf("List after refused puts = %v, %v; want only keep.pdf", paths(objs), err)
	}
	if got := read(t, s, "keep.pdf"); string(got) != "old content" {
		t.Errorf("keep.pdf = %q after refused overwrites", got)
	}
}

// testInterruptedPut: a put whose source fails, or whose context is
// canceled, half-way leaves no object and keeps an older one intact — for a
// single PUT and for a multipart upload alike.
func testInterruptedPut(t *testing.T, s Store) {
	old := []byte("the old version")
	put(t, s, "old.bin", old)
	for _, size := range []int{100_000, 2*testPartSize + 1000} {
		data := randomBytes(t, size)
		cut := int64(size/2 + 1)
		for _, p := range []string{"old.bin", "new.bin"} {
			r := &failingReader{data: data, n: int(cut)}
			if err := s.Put(context.Background(), p, r, int64(size), sum(data)); !errors.Is(err, errInjected) {
				t.Errorf("Put(%s, %d bytes) with a failing source: %v, want the source's error", p, size, err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			rec := &recorder{cancelAfter: cut, cancel: cancel}
			err := s.Put(ctx, p, &cancelingReader{r: bytes.NewReader(data), rec: rec}, int64(size), sum(data))
			if !errors.Is(err, context.Canceled) {
				t.Errorf("Put(%s, %d bytes) canceled half-way: %v, want context.Canceled", p, size, err)
			}
			cancel()
		}
	}
	objs, err := s.List(context.Background(), "")
	if err != nil || !slices.Equal(paths(objs), []string{"old.bin"}) {
		t.Fatalf("List after interrupted puts = %v, %v; want only old.bin", paths(objs), err)
	}
	if objs[0].SHA256 != sum(old) || string(read(t, s, "old.bin")) != string(old) {
		t.Errorf("old.bin changed by interrupted puts: %+v", objs[0])
	}
	expectNoLeftovers(t, s)
}

// expectNothing fails unless the store lists no object.
func expectNothing(t *testing.T, s Store) {
	t.Helper()
	objs, err := s.List(context.Background(), "")
	if err != nil || len(objs) != 0 {
		t.Errorf("store holds %v, %v; want nothing", paths(objs), err)
	}
	expectNoLeftovers(t, s)
}
