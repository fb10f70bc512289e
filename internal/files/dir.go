package files

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// tmpPrefix starts the temporary files a Put writes next to its target. A
// Put killed with SIGKILL can leave one behind; List never shows them.
const tmpPrefix = reservedPrefix + "tmp-"

// DirStore is a Store in a local directory. The directory holds exactly
// the objects: the SHA-256 of each, with the size and modification time
// the file had when it was written or hashed, is kept in the hash index
// (see IndexUser), outside it. An entry that no longer matches its file
// (rewritten by someone else) yields an unknown hash, so the next sync
// uploads the file again rather than trusting it; Verify always hashes
// the files, as rclone check does for local files.
type DirStore struct {
	root  string
	index hashIndex
}

// NewDirStore returns the store rooted at the directory root, which is
// created by the first Put.
func NewDirStore(root string) (*DirStore, error) {
	if root == "" {
		return nil, errors.New("open dir store: empty path")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("open dir store %s: %w", root, err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		return nil, fmt.Errorf("open dir store %s: not a directory", abs)
	}
	return &DirStore{root: abs}, nil
}

func openDir(rest string) (Store, error) {
	p, query, _ := strings.Cut(rest, "?")
	if query != "" {
		return nil, fmt.Errorf("open dir store %s: unexpected query %q", p, query)
	}
	if !filepath.IsAbs(p) {
		return nil, fmt.Errorf("open dir store %s: path must be absolute (resolve it against the project first)", p)
	}
	return NewDirStore(p)
}

// Root returns the absolute directory of the store.
func (d *DirStore) Root() string { return d.root }

// String returns dir://ROOT.
func (d *DirStore) String() string { return "dir://" + d.root }

func (d *DirStore) local(p string) string { return filepath.Join(d.root, filepath.FromSlash(p)) }
func (d *DirStore) errorf(op, p string, err error) error {
	return fmt.Errorf("%s %s in %s: %w", op, p, d, err)
}

// List walks the directory below the deepest folder prefix names.
func (d *DirStore) List(ctx context.Context, prefix string) ([]Object, error) {
	start := ""
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		start = prefix[:i]
	}
	var out []Object
	// The trailing separator makes WalkDir follow a symlinked root.
	walkRoot := d.local(start) + string(filepath.Separator)
	err := filepath.WalkDir(walkRoot, func(lp string, e fs.DirEntry, err error) error {
		if err != nil {
			if lp == walkRoot && (errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)) {
				return fs.SkipAll
			}
			return err
		}
		if lp == walkRoot {
			return nil
		}
		if strings.HasPrefix(e.Name(), reservedPrefix) {
			if e.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !e.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(d.root, lp)
		if err != nil {
			return err
		}
		p := filepath.ToSlash(rel)
		if !strings.HasPrefix(p, prefix) {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		fi, err := e.Info()
		if err != nil {
			return err
		}
		out = append(out, d.object(p, fi))
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", d, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// object describes the data file p with the hash the index holds for its
// size and modification time, if any.
func (d *DirStore) object(p string, fi fs.FileInfo) Object {
	d.index.load()
	o := Object{Path: p, Size: fi.Size(), ModTime: fi.ModTime()}
	o.SHA256 = d.index.lookup(p, fi.Size(), mtimeTag(fi.ModTime().UnixNano()))
	return o
}

func mtimeTag(ns int64) string { return strconv.FormatInt(ns, 10) }

// UseIndex keeps the hash index in the local file name (see IndexUser).
func (d *DirStore) UseIndex(name string) { d.index.use(name) }

// Flush writes the hash index if it changed.
func (d *DirStore) Flush(context.Context) error { return d.index.flush() }

// Local reports that the objects are local files, cheap to hash.
func (d *DirStore) Local() bool { return true }

// Stat returns one object.
func (d *DirStore) Stat(ctx context.Context, p string) (Object, error) {
	if err := CheckPath(p); err != nil {
		return Object{}, d.errorf("stat", p, err)
	}
	fi, err := os.Stat(d.local(p))
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("not a regular file: %w", fs.ErrNotExist)
	}
	if err != nil {
		return Object{}, d.errorf("stat", p, err)
	}
	return d.object(p, fi), nil
}

// Open reads one object.
func (d *DirStore) Open(ctx context.Context, p string) (io.ReadCloser, error) {
	if err := CheckPath(p); err != nil {
		return nil, d.errorf("open", p, err)
	}
	f, err := os.Open(d.local(p))
	if err != nil {
		return nil, d.errorf("open", p, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		return nil, d.errorf("open", p, fmt.Errorf("not a regular file: %w", fs.ErrNotExist))
	}
	return f, nil
}

// Remove deletes an object.
func (d *DirStore) Remove(ctx context.Context, p string) error {
	if err := CheckPath(p); err != nil {
		return d.errorf("remove", p, err)
	}
	if err := os.Remove(d.local(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return d.errorf("remove", p, err)
	}
	d.index.forget(p)
	return nil
}

// Put writes a temporary file next to the target, syncs it, and renames it
// into place; the index learns its hash.
func (d *DirStore) Put(ctx context.Context, p string, r io.Reader, size int64, sha256hex string) error {
	if err := CheckPath(p); err != nil {
		return d.errorf("put", p, err)
	}
	if err := checkHex(sha256hex); err != nil {
		return d.errorf("put", p, err)
	}
	target := d.local(p)
	fi, err := d.writeTemp(ctx, target, newCheckedReader(ctx, r, size, sha256hex))
	if err != nil {
		return d.errorf("put", p, err)
	}
	tmp := fi.tmp
	d.index.load()
	d.index.forget(p)
	if err := d.publish(tmp, target); err != nil {
		os.Remove(tmp)
		return d.errorf("put", p, err)
	}
	d.index.remember(p, fi.size, mtimeTag(fi.mtime), sha256hex)
	return nil
}

type written struct {
	tmp   string
	size  int64
	mtime int64
}

// writeTemp copies r into a synced temporary file in target's directory.
func (d *DirStore) writeTemp(ctx context.Context, target string, r io.Reader) (written, error) {
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return written{}, err
	}
	f, err := os.CreateTemp(dir, tmpPrefix+"*")
	if err != nil {
		return written{}, err
	}
	_, err = io.Copy(f, r)
	if err == nil {
		err = f.Sync()
	}
	var fi fs.FileInfo
	if err == nil {
		fi, err = f.Stat()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return written{}, err
	}
	return written{tmp: f.Name(), size: fi.Size(), mtime: fi.ModTime().UnixNano()}, nil
}

// publish renames tmp over target.
func (d *DirStore) publish(tmp, target string) error {
	if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("a directory of that name exists")
	}
	return os.Rename(tmp, target)
}
