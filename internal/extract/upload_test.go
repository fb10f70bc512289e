package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
)

// stageFile writes body as name into up and describes it for Commit.
func stageFile(t *testing.T, up *Upload, name, path, body string) StagedFile {
	t.Helper()
	f, err := up.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(body); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(body))
	return StagedFile{Name: name, Path: path, From: "upload " + path, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}
}

// TestUploadCommitMoves: the staged files become the extraction under
// their paths, with the caller's hashes (which Verify confirms), read-only,
// and nothing else is left in the store.
func TestUploadCommitMoves(t *testing.T) {
	root := filepath.Join(t.TempDir(), "extractions")
	s := NewStore(root)
	up, err := s.NewUpload()
	if err != nil {
		t.Fatal(err)
	}
	defer up.Close()
	files := []StagedFile{
		stageFile(t, up, "0001.csv", "kontakte.csv", "a;b\n1;2\n"),
		stageFile(t, up, "0002.csv", "0001.csv", "x\n"), // a delivered name that is another file's generated one
		stageFile(t, up, "0003.csv", "sub/dir/firmen.csv", "f\n"),
	}
	staged, err := os.Stat(up.Path("0001.csv"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := up.Commit(context.Background(), files, "portal", "ann@acme.example", received)
	if err != nil {
		t.Fatal(err)
	}
	up.Close()
	if x.Number != 1 || x.Label != "portal" || x.By != "ann@acme.example" || !x.Received.Equal(received) {
		t.Errorf("extraction %+v", x.Manifest)
	}
	var paths []string
	for _, f := range x.Files {
		paths = append(paths, f.Path)
	}
	if want := []string{"0001.csv", "kontakte.csv", "sub/dir/firmen.csv"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("files %v, want %v", paths, want)
	}
	if want := []string{"upload 0001.csv", "upload kontakte.csv", "upload sub/dir/firmen.csv"}; !reflect.DeepEqual(x.Sources, want) {
		t.Errorf("sources %v, want %v", x.Sources, want)
	}
	if bad, err := x.Verify(context.Background()); err != nil || len(bad) > 0 {
		t.Errorf("verify: %v %v", bad, err)
	}
	moved, err := os.Stat(filepath.Join(x.Dir, "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(staged, moved) {
		t.Error("kontakte.csv was copied, not moved")
	}
	if moved.Mode().Perm() != 0o444 {
		t.Errorf("kontakte.csv mode %v, want read-only", moved.Mode())
	}
	if got := entries(t, root); !reflect.DeepEqual(got, []string{"1"}) {
		t.Errorf("store holds %v", got)
	}
	if got := entries(t, x.Dir); !reflect.DeepEqual(got, []string{"0001.csv", "kontakte.csv", ManifestName, "sub"}) {
		t.Errorf("extraction holds %v", got)
	}
}

// TestUploadRefuses: a path outside the extraction, the manifest's name,
// the staging directory's and two files at one path are refused, and
// Close then leaves nothing in the store.
func TestUploadRefuses(t *testing.T) {
	for _, c := range []struct {
		paths []string
		want  string
	}{
		{[]string{"../x.csv"}, "not allowed"},
		{[]string{"/etc/x.csv"}, "not allowed"},
		{[]string{"a/./b.csv"}, "not allowed"},
		{[]string{".staged/x.csv"}, "not allowed"},
		{[]string{ManifestName}, "reserved"},
		{[]string{"k.csv", "k.csv"}, "two sources"},
		{[]string{"k", "k/x.csv"}, "a file in"},
	} {
		root := filepath.Join(t.TempDir(), "extractions")
		up, err := NewStore(root).NewUpload()
		if err != nil {
			t.Fatal(err)
		}
		var files []StagedFile
		for i, p := range c.paths {
			files = append(files, stageFile(t, up, fmt.Sprintf("%04d", i), p, "x"))
		}
		_, err = up.Commit(context.Background(), files, "", "", received)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.paths, err, c.want)
		}
		up.Close()
		if got := entries(t, root); len(got) != 0 {
			t.Errorf("%v: store holds %v after Close", c.paths, got)
		}
	}
}

// TestUploadConcurrent: uploads committed at once get distinct numbers,
// each with its own files.
func TestUploadConcurrent(t *testing.T) {
	root := filepath.Join(t.TempDir(), "extractions")
	const n = 6
	nums := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			up, err := NewStore(root).NewUpload()
			if err != nil {
				errs[i] = err
				return
			}
			defer up.Close()
			body := strings.Repeat(fmt.Sprintf("row of upload %d\n", i), 1000)
			f := stageFile(t, up, "0001.csv", "k.csv", body)
			x, err := up.Commit(context.Background(), []StagedFile{f}, fmt.Sprint(i), "", received)
			if errs[i] = err; err == nil {
				nums[i] = x.Number
			}
		})
	}
	wg.Wait()
	s := NewStore(root)
	seen := map[int]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seen[nums[i]] {
			t.Fatalf("number %d given twice: %v", nums[i], nums)
		}
		seen[nums[i]] = true
		x, err := s.Get(nums[i])
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(x.Dir, "k.csv"))
		if err != nil || x.Label != fmt.Sprint(i) || !strings.HasPrefix(string(data), fmt.Sprintf("row of upload %d\n", i)) {
			t.Errorf("extraction %d: label %q, k.csv %.20q %v; want upload %d's", nums[i], x.Label, data, err, i)
		}
	}
	if got := entries(t, root); len(got) != n {
		t.Errorf("store holds %v, want %d numbered directories only", got, n)
	}
}
