package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/protocol"
)

// memObjects is an object store in memory that counts the bytes read of
// every object.
type memObjects struct {
	mu   sync.Mutex
	objs map[string][]byte
	read map[string]int64
}

func newMemObjects() *memObjects {
	return &memObjects{objs: map[string][]byte{}, read: map[string]int64{}}
}

func (m *memObjects) Open(_ context.Context, p string) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.objs[p]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", p, fs.ErrNotExist)
	}
	return &countedReader{m: m, path: p, r: bytes.NewReader(b)}, nil
}

func (m *memObjects) Put(_ context.Context, p string, r io.Reader, size int64, sha string) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(b); int64(len(b)) != size || hex.EncodeToString(sum[:]) != sha {
		return fmt.Errorf("put %s: content does not match", p)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[p] = b
	return nil
}

func (m *memObjects) String() string { return "mem://" }

func (m *memObjects) bytesRead(p string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.read[p]
}

type countedReader struct {
	m    *memObjects
	path string
	r    *bytes.Reader
}

func (c *countedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.m.mu.Lock()
	c.m.read[c.path] += int64(n)
	c.m.mu.Unlock()
	return n, err
}

func (c *countedReader) Close() error { return nil }

// receiveObjects stores files as extraction 1 of an object store.
func receiveObjects(t *testing.T, objs *memObjects, files map[string]string) *extract.Extraction {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	x, err := extract.NewObjectStore(objs).Receive(context.Background(), []string{dir}, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// The run reads every input once, from the store, hashing it while it
// reads: the protocol carries the measured hash and no byte is read twice.
func TestInputsAreHashedWhileRead(t *testing.T) {
	objs := newMemObjects()
	f := newFixture(t, nil)
	f.x = receiveObjects(t, objs, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte} {
		sum := sha256.Sum256([]byte(body))
		if got, want := p.Hashes.Inputs[name], "sha256:"+hex.EncodeToString(sum[:]); got != want {
			t.Errorf("hashes.inputs[%s] = %q, want %q", name, got, want)
		}
		if n := objs.bytesRead("extractions/1/" + name); n != int64(len(body)) {
			t.Errorf("%s: %d bytes read from the store, want %d (one pass)", name, n, len(body))
		}
	}
}

// A stored object changed behind the run's back fails it, naming the
// file; the protocol says failed.
func TestChangedObjectFailsTheRun(t *testing.T) {
	objs := newMemObjects()
	f := newFixture(t, nil)
	f.x = receiveObjects(t, objs, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	objs.objs["extractions/1/kontakte.csv"] = []byte(strings.Replace(kontakte, "C8", "C9", 1))
	p, err := runEngine(context.Background(), f.options(nil))
	want := "extraction 1 no longer matches its manifest: kontakte.csv: content changed"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("run on a changed object: %v, want %q", err, want)
	}
	if p.Status != protocol.StatusFailed {
		t.Errorf("status %s, want failed", p.Status)
	}
	delete(objs.objs, "extractions/1/firmen.csv")
	if _, err := runEngine(context.Background(), f.options(nil)); err == nil || !strings.Contains(err.Error(), "firmen.csv: missing") {
		t.Fatalf("run with a missing object: %v", err)
	}
}
