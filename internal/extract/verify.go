package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
)

// maxListed is how many file names an error lists at most.
const maxListed = 20

func (x *Extraction) fileList() string {
	var names []string
	for i, f := range x.Files {
		if i == maxListed {
			names = append(names, fmt.Sprintf("… and %d more", len(x.Files)-maxListed))
			break
		}
		names = append(names, f.Path)
	}
	return strings.Join(names, ", ")
}

// Verify re-hashes the stored files against the manifest and returns every
// difference: a file changed, missing, or present but not in the manifest.
// No difference means the extraction is intact.
func (x *Extraction) Verify(ctx context.Context) ([]string, error) {
	var diffs []string
	known := make(map[string]bool, len(x.Files))
	for _, f := range x.Files {
		known[f.Path] = true
		d, err := verifyFile(ctx, x, f)
		if err != nil {
			return nil, fmt.Errorf("verify extraction %d: %w", x.Number, err)
		}
		if d != "" {
			diffs = append(diffs, d)
		}
	}
	if x.objects == nil { // a store's objects are never listed as files
		extra, err := extraFiles(x.Dir, known)
		if err != nil {
			return nil, fmt.Errorf("verify extraction %d: %w", x.Number, err)
		}
		diffs = append(diffs, extra...)
	}
	sort.Strings(diffs)
	return diffs, nil
}

// verifyFile returns "" when the file matches its manifest entry, else
// what differs.
func verifyFile(ctx context.Context, x *Extraction, f File) (string, error) {
	in, err := x.OpenFile(ctx, f.Path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f.Path + ": missing", nil
	case err != nil && strings.HasPrefix(err.Error(), f.Path+": "): // a link, not a regular file
		return err.Error(), nil
	case err != nil:
		return "", err
	}
	defer in.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, in})
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.Path, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	switch {
	case n != f.Size:
		return fmt.Sprintf("%s: size %d, manifest says %d", f.Path, n, f.Size), nil
	case sum != f.SHA256:
		return fmt.Sprintf("%s: content changed (sha256 %s, manifest says %s)", f.Path, sum, f.SHA256), nil
	}
	return "", nil
}

// extraFiles lists entries below dir that the manifest does not know.
func extraFiles(dir string, known map[string]bool) ([]string, error) {
	var extra []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if rel != ManifestName && !known[rel] {
			extra = append(extra, rel+": not in the manifest")
		}
		return nil
	})
	return extra, err
}

// VerifyFiles re-hashes the stored files whose path keep accepts against
// the manifest and returns every difference (changed or missing), like
// Verify without the search for extra files.
func (x *Extraction) VerifyFiles(ctx context.Context, keep func(path string) bool) ([]string, error) {
	var diffs []string
	for _, f := range x.Files {
		if !keep(f.Path) {
			continue
		}
		d, err := verifyFile(ctx, x, f)
		if err != nil {
			return nil, fmt.Errorf("verify extraction %d: %w", x.Number, err)
		}
		if d != "" {
			diffs = append(diffs, d)
		}
	}
	return diffs, nil
}
