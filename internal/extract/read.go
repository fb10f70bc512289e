package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// Objects is a store the extractions live in when it is not a local
// directory (an S3 bucket): files.Store satisfies it. Paths are
// slash-separated; a missing object is an error matching fs.ErrNotExist.
type Objects interface {
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	Put(ctx context.Context, path string, r io.Reader, size int64, sha256hex string) error
	String() string
}

// Lookup resolves a slash-separated path inside the extraction (a
// recipe's source.file) to the stored file.
func (x *Extraction) Lookup(name string) (File, error) {
	clean := path.Clean(strings.ReplaceAll(name, `\`, "/"))
	if name == "" || !filepath.IsLocal(filepath.FromSlash(clean)) {
		return File{}, fmt.Errorf("extraction %d: %q is not a path inside the extraction", x.Number, name)
	}
	var hint string
	for _, f := range x.Files {
		if f.Path == clean {
			return f, nil
		}
		if strings.EqualFold(f.Path, clean) {
			hint = f.Path
		}
	}
	if hint != "" {
		return File{}, fmt.Errorf("extraction %d has no file %q: did you mean %q?", x.Number, name, hint)
	}
	return File{}, fmt.Errorf("extraction %d has no file %q (files: %s)", x.Number, name, x.fileList())
}

// Where says where the extraction's files are, for messages: a local
// directory or a folder of a store.
func (x *Extraction) Where() string {
	if x.objects != nil {
		return x.root + " in " + x.objects.String()
	}
	return x.Dir
}

// OpenFile opens a stored file as it is: no check against the manifest
// (see Reads for that). A symbolic link in a local extraction is refused.
func (x *Extraction) OpenFile(ctx context.Context, name string) (io.ReadCloser, error) {
	if x.objects != nil {
		return x.objects.Open(ctx, x.root+"/"+name)
	}
	return openLocal(x.Dir, name)
}

// openLocal opens the file rel below dir, refusing a symbolic link on the
// way (the extraction's directory itself may be reached through one).
func openLocal(dir, rel string) (*os.File, error) {
	local := dir
	for _, seg := range strings.Split(rel, "/") {
		local = filepath.Join(local, seg)
		info, err := os.Lstat(local)
		if err != nil {
			return nil, err
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			return nil, fmt.Errorf("%s: is a symbolic link, not the file received", rel)
		}
	}
	f, err := os.Open(local)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("%s: is not a regular file", rel)
	}
	return f, nil
}

// Reads records what one run reads of an extraction: the SHA-256 of every
// file, measured while the file is read (one pass, no second read), and
// every file that no longer matches its manifest. It is safe for
// concurrent use.
type Reads struct {
	x        *Extraction
	mu       sync.Mutex
	measured map[string]string // path → "sha256:<hex>"
	bad      map[string]string // path → what differs
}

// Reads starts recording the reads of a run.
func (x *Extraction) Reads() *Reads {
	return &Reads{x: x, measured: map[string]string{}, bad: map[string]string{}}
}

// Extraction is the extraction read.
func (r *Reads) Extraction() *Extraction { return r.x }

// measuredAlready reports whether name's hash is measured.
func (r *Reads) measuredAlready(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.measured[name]
	return ok
}

// Open opens the stored file name for one read: its content and size (the
// manifest's). The content is hashed as it is read; at its end a file
// that differs from its manifest entry fails the read naming the file,
// and the measured hash is recorded. A workbook's reader reads at random
// (io.ReaderAt): such a file is hashed in one sequential pass when it is
// closed.
func (r *Reads) Open(ctx context.Context, name string) (io.ReadCloser, int64, error) {
	f, err := r.x.Lookup(name)
	if err != nil {
		return nil, 0, err
	}
	rc, err := r.x.OpenFile(ctx, f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		r.fail(f.Path, "missing")
		return nil, 0, r.errFor(f.Path)
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), f.Path+": ") { // a link, a directory: refused
			r.fail(f.Path, strings.TrimPrefix(err.Error(), f.Path+": "))
			return nil, 0, r.errFor(f.Path)
		}
		return nil, 0, fmt.Errorf("extraction %d: %w", r.x.Number, err)
	}
	h := &hashingReader{reads: r, file: f, rc: rc, h: sha256.New()}
	if ra, ok := rc.(io.ReaderAt); ok {
		return &hashingReaderAt{hashingReader: h, ra: ra}, f.Size, nil
	}
	return h, f.Size, nil
}

// Opener returns Open for one file, as the source readers take it.
func (r *Reads) Opener(name string) func(context.Context) (io.ReadCloser, int64, error) {
	return func(ctx context.Context) (io.ReadCloser, int64, error) { return r.Open(ctx, name) }
}

// Measure makes sure name's hash is measured: a file no reader read to
// its end (a reader stopped early) is read once more now.
func (r *Reads) Measure(ctx context.Context, name string) error {
	r.mu.Lock()
	_, done := r.measured[name]
	_, bad := r.bad[name]
	r.mu.Unlock()
	if done || bad {
		return r.errFor(name)
	}
	rc, _, err := r.Open(ctx, name)
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}

// Measured returns the measured hashes ("sha256:<hex>") by path.
func (r *Reads) Measured() map[string]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]string, len(r.measured))
	for k, v := range r.measured {
		out[k] = v
	}
	return out
}

// Err names every file read that no longer matches the manifest; nil when
// none.
func (r *Reads) Err() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) == 0 {
		return nil
	}
	diffs := make([]string, 0, len(r.bad))
	for p, d := range r.bad {
		diffs = append(diffs, p+": "+d)
	}
	sort.Strings(diffs)
	return fmt.Errorf("extraction %d no longer matches its manifest: %s", r.x.Number, strings.Join(diffs, "; "))
}

func (r *Reads) errFor(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if d, ok := r.bad[name]; ok {
		return fmt.Errorf("extraction %d no longer matches its manifest: %s: %s", r.x.Number, name, d)
	}
	return nil
}

func (r *Reads) fail(name, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.bad[name] = what
}

// check compares what was read of f with its manifest entry.
func (r *Reads) check(f File, n int64, sum string) error {
	switch {
	case n != f.Size:
		r.fail(f.Path, fmt.Sprintf("size %d, manifest says %d", n, f.Size))
	case sum != f.SHA256:
		r.fail(f.Path, fmt.Sprintf("content changed (sha256 %s, manifest says %s)", sum, f.SHA256))
	default:
		r.mu.Lock()
		r.measured[f.Path] = "sha256:" + sum
		r.mu.Unlock()
		return nil
	}
	return r.errFor(f.Path)
}

// hashingReader hashes a stored file as it is read and checks it at its
// end: a difference is the error in place of io.EOF.
type hashingReader struct {
	reads  *Reads
	file   File
	rc     io.ReadCloser
	h      hash.Hash
	n      int64
	done   bool  // read to its end and checked
	err    error // the check's outcome
	random bool  // read at random (ReadAt)
}

func (h *hashingReader) Read(p []byte) (int, error) {
	if h.done {
		return 0, h.final()
	}
	n, err := h.rc.Read(p)
	h.h.Write(p[:n])
	h.n += int64(n)
	if h.n > h.file.Size {
		h.done = true
		h.err = h.reads.check(h.file, h.n, "")
		return 0, h.err
	}
	if errors.Is(err, io.EOF) {
		h.done = true
		h.err = h.reads.check(h.file, h.n, hex.EncodeToString(h.h.Sum(nil)))
		return n, h.final()
	}
	return n, err
}

func (h *hashingReader) final() error {
	if h.err != nil {
		return h.err
	}
	return io.EOF
}

func (h *hashingReader) Close() error { return h.rc.Close() }

// hashingReaderAt is a hashingReader over an object that can be read at
// random, as a workbook is.
type hashingReaderAt struct {
	*hashingReader
	ra io.ReaderAt
}

func (h *hashingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	h.random = true
	return h.ra.ReadAt(p, off)
}

// Close hashes a file that was read at random in one sequential pass, so
// that its hash is measured and checked like any other's.
func (h *hashingReaderAt) Close() error {
	if h.random && !h.done && !h.reads.measuredAlready(h.file.Path) {
		sh := sha256.New()
		n, err := io.Copy(sh, io.NewSectionReader(h.ra, 0, h.file.Size+1))
		if err == nil {
			h.done = true
			h.err = h.reads.check(h.file, n, hex.EncodeToString(sh.Sum(nil)))
		}
	}
	cerr := h.rc.Close()
	if h.err != nil {
		return h.err
	}
	return cerr
}
