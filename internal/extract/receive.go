package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// stagingPrefix starts the names of the hidden directories a delivery is
// staged in; staleAfter is when one is considered left by a crashed receive.
const (
	stagingPrefix = ".receiving-"
	staleAfter    = 24 * time.Hour
)

// maxNumberAttempts bounds the retries when concurrent receives race for
// the same number.
const maxNumberAttempts = 1000

// Receive stores a delivery as the next numbered extraction. Each path is a
// directory (its contents become the extraction's top level), a plain file
// (stored under its base name) or a .zip, .tar, .tar.gz or .tgz archive
// (unpacked into the top level). Links, devices and archive members that
// would land outside the extraction are refused. The files are staged in a
// temporary directory inside the store and renamed to the next free number
// only when complete, so a crash never leaves a partial numbered extraction.
// An archive may unpack to no more than the store's Limits allow. Errors
// do not start with "receive": the caller says what it was doing.
func (s *Store) Receive(ctx context.Context, paths []string, label string, now time.Time) (*Extraction, error) {
	if len(paths) == 0 {
		return nil, errors.New("no path given")
	}
	return s.receive(ctx, Delivery{Paths: paths, Label: label, Now: now})
}

func (s *Store) receive(ctx context.Context, d Delivery) (*Extraction, error) {
	if s.objects != nil {
		return s.receiveObjects(ctx, d)
	}
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return nil, err
	}
	s.sweepStale()
	tmp, err := os.MkdirTemp(s.root, stagingPrefix)
	if err != nil {
		return nil, err
	}
	committed := false
	defer func() {
		if !committed {
			forceRemove(tmp)
		}
	}()
	m, err := s.stage(ctx, tmp, s.root, d)
	if err != nil {
		return nil, err
	}
	x, err := s.commit(tmp, m)
	if err != nil {
		return nil, err
	}
	committed = true
	return x, nil
}

// stage copies a delivery into the directory tmp, hashing every file as
// it is copied, and returns its manifest (without a number yet). root is
// never received into itself.
func (s *Store) stage(ctx context.Context, tmp, root string, d Delivery) (Manifest, error) {
	g, err := newStager(ctx, tmp, root)
	if err != nil {
		return Manifest{}, err
	}
	g.limits = s.limits
	m := Manifest{Label: d.Label, Received: d.Now.UTC(), Sources: sourceNames(d)}
	for _, p := range d.Paths {
		if err := g.addPath(p); err != nil {
			return Manifest{}, err
		}
	}
	for _, gen := range d.Generated {
		if err := g.generate(gen, d.Now); err != nil {
			return Manifest{}, err
		}
	}
	if len(g.files) == 0 {
		return Manifest{}, fmt.Errorf("%s: the delivery holds no files", describe(d))
	}
	m.Files = g.files
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	return m, nil
}

// sweepStale removes staging directories that crashed receives left
// behind. Failing to remove one is no reason to refuse a delivery. Their age
// is measured with the system clock, the one that set their mtimes, not
// with the caller's clock.
func (s *Store) sweepStale() {
	entries, err := os.ReadDir(s.root)
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err == nil && e.IsDir() && strings.HasPrefix(e.Name(), stagingPrefix) && time.Since(info.ModTime()) > staleAfter {
			forceRemove(filepath.Join(s.root, e.Name()))
		}
	}
}

func baseName(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	return filepath.Base(p)
}

// commit makes the staged tree read-only and renames it to the next free
// number, retrying with the following number when another receive took it.
func (s *Store) commit(tmp string, m Manifest) (*Extraction, error) {
	if err := lockTree(tmp); err != nil {
		return nil, err
	}
	for range maxNumberAttempts {
		nums, err := s.numbers()
		if err != nil {
			return nil, err
		}
		m.Number = 1
		if len(nums) > 0 {
			m.Number = nums[len(nums)-1] + 1
		}
		if err := writeManifest(tmp, m); err != nil {
			return nil, err
		}
		dir := filepath.Join(s.root, strconv.Itoa(m.Number))
		err = os.Rename(tmp, dir)
		if err == nil {
			return &Extraction{Manifest: m, Dir: dir}, nil
		}
		if !errors.Is(err, fs.ErrExist) && !errors.Is(err, syscall.ENOTEMPTY) {
			return nil, fmt.Errorf("store extraction %d: %w", m.Number, err)
		}
		if err := os.Chmod(tmp, 0o755); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("store extraction: no free number after %d attempts", maxNumberAttempts)
}

// writeManifest (re)writes manifest.json in dir and leaves dir and the
// manifest read-only.
func writeManifest(dir string, m Manifest) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	name := filepath.Join(dir, ManifestName)
	if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.WriteFile(name, append(data, '\n'), 0o444); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := os.Chmod(name, 0o444); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return os.Chmod(dir, 0o555)
}

// lockTree makes every file below dir 0444 and every directory below it
// 0555; dir itself stays writable for the manifest.
func lockTree(dir string) error {
	var dirs []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p == dir:
			return nil
		case d.IsDir():
			dirs = append(dirs, p)
			return nil
		default:
			return os.Chmod(p, 0o444)
		}
	})
	if err != nil {
		return fmt.Errorf("make extraction read-only: %w", err)
	}
	for _, d := range dirs {
		if err := os.Chmod(d, 0o555); err != nil {
			return fmt.Errorf("make extraction read-only: %w", err)
		}
	}
	return nil
}

// forceRemove removes a staging tree, read-only directories included.
func forceRemove(dir string) {
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			_ = os.Chmod(p, 0o755)
		}
		return nil
	})
	_ = os.RemoveAll(dir)
}

// stager writes the files of one delivery into a staging directory,
// hashing them as they are copied.
type stager struct {
	ctx      context.Context
	dir      string
	skip     os.FileInfo       // the store's root: never received into itself
	files    []File            // what was written
	limits   Limits            // what an archive may unpack to
	fileFrom map[string]string // path → the source that yielded it
	dirFrom  map[string]string // implied directory → the source that implied it
}

func newStager(ctx context.Context, dir, root string) (*stager, error) {
	skip, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	return &stager{ctx: ctx, dir: dir, skip: skip,
		fileFrom: map[string]string{}, dirFrom: map[string]string{}}, nil
}

// addPath stages one received path.
func (g *stager) addPath(p string) error {
	info, err := os.Stat(p)
	if err != nil {
		return err
	}
	switch {
	case info.IsDir():
		return g.addDir(p)
	case !info.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", p)
	case archiveKind(p) != "":
		return g.addArchive(p)
	default:
		return g.addFile(p, filepath.Base(p), p, info)
	}
}

// addDir stages a directory's contents; the directory itself is not part of
// the stored paths.
func (g *stager) addDir(top string) error {
	top, err := filepath.EvalSymlinks(top) // the named directory may be a link; what it holds may not
	if err != nil {
		return err
	}
	return filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := g.ctx.Err(); err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir() && os.SameFile(info, g.skip):
			return filepath.SkipDir
		case d.IsDir():
			return nil
		case info.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("%s is a symbolic link: a delivery may not contain links", p)
		case !info.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file (device, pipe or socket)", p)
		}
		rel, err := filepath.Rel(top, p)
		if err != nil {
			return err
		}
		return g.addFile(p, filepath.ToSlash(rel), p, info)
	})
}

// addFile copies the regular file src to rel.
func (g *stager) addFile(src, rel, from string, info os.FileInfo) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	return g.write(rel, from, f, info.ModTime())
}

// write stores the content of r at the slash-separated path rel, which has
// already been checked to stay inside the extraction.
func (g *stager) write(rel, from string, r io.Reader, mtime time.Time) error {
	if err := g.claim(rel, from); err != nil {
		return err
	}
	dst := filepath.Join(g.dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), ctxReader{g.ctx, r})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	mtime = mtime.UTC()
	if err := os.Chtimes(dst, mtime, mtime); err != nil {
		return err
	}
	g.files = append(g.files, File{Path: rel, Size: n, SHA256: hex.EncodeToString(h.Sum(nil)), ModTime: mtime})
	return nil
}

// claim records that from yields the file rel, refusing a path another
// source already yielded, a file where another source put a directory and
// the other way round.
func (g *stager) claim(rel, from string) error {
	if rel == ManifestName {
		return fmt.Errorf("%s: the name %s is reserved at the top of an extraction; deliver it inside a directory", from, ManifestName)
	}
	if other, ok := g.fileFrom[rel]; ok {
		return fmt.Errorf("two sources yield %q: %s and %s", rel, other, from)
	}
	if other, ok := g.dirFrom[rel]; ok {
		return fmt.Errorf("%q is a file in %s but a directory in %s", rel, from, other)
	}
	for d := path.Dir(rel); d != "."; d = path.Dir(d) {
		if other, ok := g.fileFrom[d]; ok {
			return fmt.Errorf("%q is a file in %s but a directory in %s", d, other, from)
		}
		if _, ok := g.dirFrom[d]; !ok {
			g.dirFrom[d] = from
		}
	}
	g.fileFrom[rel] = from
	return nil
}

// ctxReader stops a long copy when its context is cancelled.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
