package files

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/handover/handover/internal/testenv"
	"github.com/minio/minio-go/v7"
)

// countingTransport counts HEAD requests.
type countingTransport struct {
	heads atomic.Int64
	base  http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodHead {
		c.heads.Add(1)
	}
	return c.base.RoundTrip(r)
}

// TestS3HashIndex: a re-sync decides from the listing and the hash index
// alone, and falls back to asking objects when the index is gone or an
// object changed behind its back.
func TestS3HashIndex(t *testing.T) {
	srv := testenv.FreshS3(t)
	ctx := context.Background()
	indexFile := filepath.Join(t.TempDir(), "state", "index.json")
	open := func() (*S3Store, *countingTransport) {
		ct := &countingTransport{base: http.DefaultTransport}
		cfg := S3Config{Endpoint: srv.Endpoint, Insecure: true, Bucket: srv.Bucket, Prefix: "idx", transport: ct}
		s, err := NewS3Store(ctx, cfg, Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
		if err != nil {
			t.Fatal(err)
		}
		ct.heads.Store(0) // the bucket check
		s.UseIndex(indexFile)
		return s, ct
	}
	root, files := extraction(t, mixedTree(t, 20, 4096, 7))
	resync := func(wantHeads int64, wantChanged int) {
		t.Helper()
		s, ct := open()
		plan, err := PlanSync(ctx, files, root, s, SelectOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got := ct.heads.Load(); got != wantHeads {
			t.Errorf("planning asked %d objects for their hash, want %d", got, wantHeads)
		}
		if plan.Summary.Changed.Files != wantChanged || plan.Summary.Unchanged.Files != 20-wantChanged {
			t.Errorf("plan = %+v, want %d changed", plan.Summary, wantChanged)
		}
		if _, err := Apply(ctx, plan, s, ApplyOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s, _ := open()
	syncAll(t, files, root, s, ApplyOptions{})

	resync(0, 0) // the index written by the first sync answers everything

	f := files[3]
	sneakyPut(t, s, f.Path[len("files/"):], randomBytes(t, int(f.Size)), f.SHA256) // same size, copied metadata
	resync(1, 1)                                                                   // one object changed: asked once, and re-uploaded

	for o := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Recursive: true}) {
		if strings.Contains(o.Key, reservedPrefix) {
			t.Errorf("the bucket holds %s: the destination must hold the delivered files only", o.Key)
		}
	}
	if err := os.Remove(indexFile); err != nil {
		t.Fatal(err)
	}
	resync(20, 0) // no index: every object is asked, nothing uploaded
	resync(0, 0)  // and the index is back
}

// Create stores an object only where none is: the second one is refused
// with fs.ErrExist and the first stays.
func TestS3CreateIsConditional(t *testing.T) {
	s := newS3Store(t)
	ctx := context.Background()
	if err := s.Create(ctx, "claims/1", []byte("first")); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, "claims/1", []byte("second")); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second Create: %v, want fs.ErrExist", err)
	}
	rc, err := s.Open(ctx, "claims/1")
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if b, err := io.ReadAll(rc); err != nil || string(b) != "first" {
		t.Errorf("claims/1 holds %q, %v; want the first", b, err)
	}
}
