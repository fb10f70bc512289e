package files

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/redact"
)

// TestDirStoreHoldsOnlyTheFiles: a synced directory holds exactly the
// delivered files; the hash index lives in the file handover gave it, and
// a re-sync decides from it without uploading anything.
func TestDirStoreHoldsOnlyTheFiles(t *testing.T) {
	ctx := context.Background()
	root, src := extraction(t, mixedTree(t, 12, 2048, 3))
	dstDir := filepath.Join(t.TempDir(), "dst")
	indexFile := filepath.Join(t.TempDir(), "state", "dir-index.json")
	open := func() *DirStore {
		d, err := NewDirStore(dstDir)
		if err != nil {
			t.Fatal(err)
		}
		d.UseIndex(indexFile)
		return d
	}
	syncAll(t, src, root, open(), ApplyOptions{})
	var got int
	filepath.WalkDir(dstDir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			got++
			if filepath.Base(p)[0] == '.' {
				t.Errorf("the destination holds %s", p)
			}
		}
		return nil
	})
	if got != len(src) {
		t.Errorf("the destination holds %d files, want the %d delivered", got, len(src))
	}
	if _, err := os.Stat(indexFile); err != nil {
		t.Errorf("no hash index in handover's state: %v", err)
	}
	plan, err := PlanSync(ctx, src, root, open(), SelectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Summary.Unchanged.Files != len(src) {
		t.Errorf("re-sync plan %+v, want every file unchanged", plan.Summary)
	}
}

// TestVerifyDirStoreComparesContent: a same-size edit with its
// modification time restored is found without --deep.
func TestVerifyDirStoreComparesContent(t *testing.T) {
	ctx := context.Background()
	root, src := extraction(t, mixedTree(t, 5, 2048, 4))
	dstDir := filepath.Join(t.TempDir(), "dst")
	d, err := NewDirStore(dstDir)
	if err != nil {
		t.Fatal(err)
	}
	d.UseIndex(filepath.Join(t.TempDir(), "index.json"))
	syncAll(t, src, root, d, ApplyOptions{})
	f := src[2]
	name := filepath.Join(dstDir, filepath.FromSlash(strings.TrimPrefix(f.Path, "files/")))
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(name)
	data[0] ^= 0xff
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(name, fi.ModTime(), fi.ModTime())
	res, err := Verify(ctx, src, d, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.OK() || len(res.Differing) != 1 || res.Differing[0].Path != strings.TrimPrefix(f.Path, "files/") {
		t.Errorf("verify = %+v, want %s differing", res, f.Path)
	}
}

// TestRedactURLIsTheSharedRedactor: store URLs in errors are masked as
// everywhere else.
func TestRedactURLIsTheSharedRedactor(t *testing.T) {
	for _, in := range []string{"s3://KEY:s3cr3t@bucket/a", "s3://bucket/a?secret_key=s3cr3t&endpoint=h:9000"} {
		if got, want := redactURL(in), redact.StoreURL(in); got != want || strings.Contains(got, "s3cr3t") {
			t.Errorf("redactURL(%q) = %q, want %q", in, got, want)
		}
	}
}
