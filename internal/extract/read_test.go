package extract

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// receiveLocal stores files as extraction 1 of a local store.
func receiveLocal(t *testing.T, files map[string]string) *Extraction {
	t.Helper()
	src := t.TempDir()
	for name, body := range files {
		writeFile(t, filepath.Join(src, name), body, fixedTime)
	}
	x, err := NewStore(filepath.Join(t.TempDir(), "extractions")).Receive(context.Background(), []string{src}, "", fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// A file read to its end is measured and checked; one read at random (a
// workbook) is hashed when it is closed.
func TestReadsMeasureWhileReading(t *testing.T) {
	x := receiveLocal(t, map[string]string{"a.csv": "id\n1\n", "b.xlsx": "not really a workbook"})
	ctx := context.Background()
	reads := x.Reads()
	rc, size, err := reads.Open(ctx, "a.csv")
	if err != nil || size != 5 {
		t.Fatalf("open a.csv: %d, %v", size, err)
	}
	if _, err := io.ReadAll(rc); err != nil {
		t.Fatal(err)
	}
	rc.Close()
	rc, _, err = reads.Open(ctx, "b.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := rc.(io.ReaderAt).ReadAt(buf, 4); err != nil || string(buf) != "real" {
		t.Fatalf("ReadAt: %q, %v", buf, err)
	}
	if err := rc.Close(); err != nil {
		t.Fatal(err)
	}
	got := reads.Measured()
	for _, f := range x.Files {
		if got[f.Path] != "sha256:"+f.SHA256 {
			t.Errorf("measured %s = %q, want sha256:%s", f.Path, got[f.Path], f.SHA256)
		}
	}
	if err := reads.Err(); err != nil {
		t.Fatal(err)
	}
}

// A changed file fails the read that reaches its end, naming the file,
// instead of io.EOF; a symbolic link is refused.
func TestReadsFailOnAChangedFile(t *testing.T) {
	x := receiveLocal(t, map[string]string{"a.csv": "id\n1\n", "b.csv": "id\n2\n"})
	ctx := context.Background()
	os.Chmod(x.Dir, 0o755)
	p := filepath.Join(x.Dir, "a.csv")
	os.Chmod(p, 0o644)
	if err := os.WriteFile(p, []byte("id\n9\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reads := x.Reads()
	rc, _, err := reads.Open(ctx, "a.csv")
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(rc)
	rc.Close()
	want := "extraction 1 no longer matches its manifest: a.csv: content changed"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("read of a changed file: %v, want %q", err, want)
	}
	if err := reads.Err(); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Err: %v", err)
	}
	b := filepath.Join(x.Dir, "b.csv")
	os.Remove(b)
	if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), b); err != nil {
		t.Fatal(err)
	}
	if _, _, err := reads.Open(ctx, "b.csv"); err == nil || !strings.Contains(err.Error(), "b.csv: is a symbolic link") {
		t.Fatalf("open of a link: %v", err)
	}
}
