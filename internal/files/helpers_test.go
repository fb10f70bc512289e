package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/testenv"
)

// testPartSize is the smallest part S3 accepts, so multipart uploads are
// exercised with modest files.
const testPartSize = 5 << 20

// storeKind makes an empty store of one kind for a test.
type storeKind struct {
	name string
	new  func(t *testing.T) Store
}

func storeKinds() []storeKind {
	return []storeKind{
		{"dir", func(t *testing.T) Store { return newDirStore(t) }},
		{"s3", func(t *testing.T) Store { return newS3Store(t) }},
	}
}

// forEachStore runs fn as a subtest per store kind; the S3 one skips
// without HANDOVER_TEST_S3.
func forEachStore(t *testing.T, fn func(t *testing.T, newStore func(t *testing.T) Store)) {
	for _, k := range storeKinds() {
		t.Run(k.name, func(t *testing.T) { fn(t, k.new) })
	}
}

func newDirStore(t *testing.T) *DirStore {
	d, err := NewDirStore(filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	d.UseIndex(filepath.Join(t.TempDir(), "state", "index.json")) // as the app does: outside the store
	return d
}

func newS3Store(t *testing.T) *S3Store {
	srv := testenv.FreshS3(t)
	creds := Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Source: "test"}
	cfg := S3Config{Endpoint: srv.Endpoint, Insecure: true, Bucket: srv.Bucket, Prefix: "acme/files", PartSize: testPartSize}
	s, err := NewS3Store(context.Background(), cfg, creds)
	if err != nil {
		t.Fatal(err)
	}
	s.UseIndex(filepath.Join(t.TempDir(), "state", "index.json")) // as the app does: outside the bucket
	return s
}

func sum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// extraction writes files (path in the extraction → content) into a fresh
// directory and returns it with its manifest entries.
func extraction(t testing.TB, files map[string][]byte) (string, []extract.File) {
	t.Helper()
	dir := t.TempDir()
	var out []extract.File
	for p, data := range files {
		lp := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(lp), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(lp, data, 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, extract.File{Path: p, Size: int64(len(data)), SHA256: sum(data), ModTime: time.Now()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return dir, out
}

func put(t *testing.T, s Store, p string, data []byte) {
	t.Helper()
	if err := s.Put(context.Background(), p, bytes.NewReader(data), int64(len(data)), sum(data)); err != nil {
		t.Fatalf("put %s: %v", p, err)
	}
}

func read(t *testing.T, s Store, p string) []byte {
	t.Helper()
	rc, err := s.Open(context.Background(), p)
	if err != nil {
		t.Fatalf("open %s: %v", p, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return data
}

func paths(objs []Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = o.Path
	}
	return out
}

// recorder wraps a store, recording the paths put and removed, and can
// interrupt the sync once a number of bytes went through Put.
type recorder struct {
	Store
	mu      sync.Mutex
	puts    []string
	removes []string
	failOn  map[string]bool // paths whose Put fails

	cancelAfter int64 // > 0: cancel after this many bytes
	cancel      context.CancelFunc
	sent        atomic.Int64
}

var errInjected = errors.New("injected failure")

func (r *recorder) Put(ctx context.Context, p string, src io.Reader, size int64, sha string) error {
	r.mu.Lock()
	r.puts = append(r.puts, p)
	fail := r.failOn[p]
	r.mu.Unlock()
	if fail {
		return errInjected
	}
	if r.cancelAfter > 0 {
		src = &cancelingReader{r: src, rec: r}
	}
	return r.Store.Put(ctx, p, src, size, sha)
}

func (r *recorder) Remove(ctx context.Context, p string) error {
	r.mu.Lock()
	r.removes = append(r.removes, p)
	r.mu.Unlock()
	return r.Store.Remove(ctx, p)
}

func (r *recorder) putPaths() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]string(nil), r.puts...)
	sort.Strings(out)
	return out
}

// cancelingReader cancels the sync when the recorder's byte budget is
// spent, as a kill or a dropped connection would stop it mid-file.
type cancelingReader struct {
	r   io.Reader
	rec *recorder
}

func (c *cancelingReader) Read(p []byte) (int, error) {
	left := c.rec.cancelAfter - c.rec.sent.Load()
	if left <= 0 {
		c.rec.cancel()
		return 0, context.Canceled
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.r.Read(p)
	c.rec.sent.Add(int64(n))
	return n, err
}

// failingReader yields n bytes of data, then an error.
type failingReader struct {
	data []byte
	n    int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n <= 0 {
		return 0, errInjected
	}
	k := copy(p[:min(len(p), f.n)], f.data)
	f.data, f.n = f.data[k:], f.n-k
	return k, nil
}

// mixedTree makes n files of random sizes between 1 KB and maxSize below
// files/, deterministic for a seed.
func mixedTree(t testing.TB, n int, maxSize int, seed uint64) map[string][]byte {
	rng := mrand.New(mrand.NewPCG(seed, seed))
	out := make(map[string][]byte, n)
	blob := randomBytes(t, maxSize+n)
	for i := range n {
		size := 1024 + rng.IntN(maxSize-1024)
		off := rng.IntN(n)
		p := filepath.ToSlash(filepath.Join("files", "d"+strconv.Itoa(i%17), "f"+strconv.Itoa(i)+".bin"))
		out[p] = blob[off : off+size]
	}
	return out
}

// expectNoLeftovers fails when a store kept debris of failed puts: the dir
// store's temporary files, S3's incomplete multipart uploads.
func expectNoLeftovers(t *testing.T, s Store) {
	t.Helper()
	switch s := s.(type) {
	case *DirStore:
		filepath.WalkDir(s.root, func(p string, e fs.DirEntry, err error) error {
			if err == nil && strings.HasPrefix(e.Name(), tmpPrefix) {
				t.Errorf("temporary file left behind: %s", p)
			}
			return nil
		})
	case *S3Store:
		for u := range s.client.ListIncompleteUploads(context.Background(), s.bucket, s.prefix, true) {
			if u.Err != nil {
				t.Errorf("list incomplete uploads: %v", u.Err)
				continue
			}
			t.Errorf("incomplete multipart upload left behind: %s", u.Key)
		}
	}
}
