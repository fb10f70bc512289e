package files

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// hashDir is the directory, at the store's root, holding one sidecar per
// object: the object's SHA-256 together with the size and modification
// time the data file had when it was written. A sidecar that no longer
// matches its data file (rewritten by someone else, or a Put interrupted
// between the data and the sidecar) yields an unknown hash, so the next
// sync uploads the file again rather than trusting it.
const hashDir = reservedPrefix + "sha256"

// tmpPrefix starts the temporary files a Put writes next to its target. A
// Put killed with SIGKILL can leave one behind; List never shows them.
const tmpPrefix = reservedPrefix + "tmp-"

// DirStore is a Store in a local directory.
type DirStore struct {
	root string
}

type sidecar struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	MTime  int64  `json:"mtime_ns"`
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

// String returns dir://ROOT.
func (d *DirStore) String() string { return "dir://" + d.root }

func (d *DirStore) local(p string) string { return filepath.Join(d.root, filepath.FromSlash(p)) }
func (d *DirStore) sidecar(p string) string {
	return filepath.Join(d.root, hashDir, filepath.FromSlash(p))
}
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

// object describes the data file p with the hash of its sidecar, if that
// still matches.
func (d *DirStore) object(p string, fi fs.FileInfo) Object {
	o := Object{Path: p, Size: fi.Size(), ModTime: fi.ModTime()}
	data, err := os.ReadFile(d.sidecar(p))
	if err != nil {
		return o
	}
	var sc sidecar
	if json.Unmarshal(data, &sc) == nil && sc.Size == fi.Size() && sc.MTime == fi.ModTime().UnixNano() && checkHex(sc.SHA256) == nil {
		o.SHA256 = sc.SHA256
	}
	return o
}

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

// Remove deletes an object and its sidecar.
func (d *DirStore) Remove(ctx context.Context, p string) error {
	if err := CheckPath(p); err != nil {
		return d.errorf("remove", p, err)
	}
	for _, lp := range []string{d.sidecar(p), d.local(p)} {
		if err := os.Remove(lp); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return d.errorf("remove", p, err)
		}
	}
	return nil
}

// Put writes a temporary file next to the target, syncs it, and renames it
// into place; the sidecar is removed before the rename and written after it.
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
	if err := d.publish(p, tmp, target); err != nil {
		os.Remove(tmp)
		return d.errorf("put", p, err)
	}
	sc := sidecar{SHA256: sha256hex, Size: fi.size, MTime: fi.mtime}
	if err := writeSidecar(d.sidecar(p), sc); err != nil {
		return d.errorf("put", p, fmt.Errorf("store its sha256: %w", err))
	}
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

// publish drops the old sidecar, then renames tmp over target.
func (d *DirStore) publish(p, tmp, target string) error {
	if fi, err := os.Lstat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("a directory of that name exists")
	}
	if err := os.Remove(d.sidecar(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(tmp, target)
}

func writeSidecar(name string, sc sidecar) error {
	data, err := json.Marshal(sc)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(name), tmpPrefix+path.Base(filepath.ToSlash(name)))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}
