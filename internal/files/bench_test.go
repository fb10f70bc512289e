package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/testenv"
)

// BenchmarkSync syncs a tree to each store kind: "first" into an empty
// destination, "resync" with nothing changed. The tree is generated (300
// files, 1 KB – 512 KB) unless HANDOVER_BENCH_TREE names an extraction-like
// directory whose files/ subtree is shipped, e.g. to compare with rclone.
//
//	HANDOVER_TEST_S3=start HANDOVER_BENCH_TREE=/tmp/tree go test -run - -bench Sync -benchtime 1x ./internal/files
func BenchmarkSync(b *testing.B) {
	root, files := benchTree(b)
	var total int64
	for _, f := range files {
		total += f.Size
	}
	kinds := []struct {
		name string
		at   func(b *testing.B) func(prefix string) Store
	}{
		{"dir", func(b *testing.B) func(string) Store {
			base := b.TempDir()
			return func(p string) Store { s, _ := NewDirStore(filepath.Join(base, p)); return s }
		}},
		{"s3", benchS3},
	}
	for _, k := range kinds {
		b.Run(k.name+"/first", func(b *testing.B) {
			at := k.at(b)
			b.SetBytes(total)
			for i := 0; b.Loop(); i++ {
				benchSync(b, files, root, at("run"+strconv.Itoa(i)), true)
			}
		})
		b.Run(k.name+"/resync", func(b *testing.B) {
			dst := k.at(b)("resync")
			benchSync(b, files, root, dst, true)
			for b.Loop() {
				benchSync(b, files, root, dst, false)
			}
		})
	}
}

// benchSync syncs; first says the destination starts empty, otherwise
// it must already hold everything.
func benchSync(b *testing.B, files []extract.File, root string, dst Store, first bool) {
	plan, err := PlanSync(context.Background(), files, root, dst, SelectOptions{})
	if err != nil {
		b.Fatal(err)
	}
	res, err := Apply(context.Background(), plan, dst, ApplyOptions{})
	if err != nil {
		b.Fatal(err)
	}
	if first && (plan.Summary.Unchanged.Files != 0 || res.Uploaded.Files != plan.Summary.New.Files) {
		b.Fatalf("first sync: plan %+v, uploaded %d", plan.Summary, res.Uploaded.Files)
	}
	if !first && res.Uploaded.Files != 0 {
		b.Fatalf("re-sync uploaded %d files", res.Uploaded.Files)
	}
}

func benchS3(b *testing.B) func(prefix string) Store {
	srv := testenv.FreshS3(b)
	creds := Credentials{AccessKey: srv.AccessKey, SecretKey: srv.SecretKey, Source: "bench"}
	return func(prefix string) Store {
		cfg := S3Config{Endpoint: srv.Endpoint, Insecure: true, Bucket: srv.Bucket, Prefix: prefix}
		s, err := NewS3Store(context.Background(), cfg, creds)
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
}

// benchTree returns the benchmark's extraction directory and manifest.
func benchTree(b *testing.B) (string, []extract.File) {
	if dir := os.Getenv("HANDOVER_BENCH_TREE"); dir != "" {
		return dir, manifestOf(b, dir)
	}
	return extraction(b, mixedTree(b, 300, 512<<10, 1))
}

// manifestOf hashes every file below dir, as receive would.
func manifestOf(b *testing.B, dir string) []extract.File {
	var out []extract.File
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		h := sha256.New()
		n, err := io.Copy(h, f)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, extract.File{Path: filepath.ToSlash(rel), Size: n, SHA256: hex.EncodeToString(h.Sum(nil))})
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return out
}
