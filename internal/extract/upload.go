package extract

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// stagedDir holds an Upload's files under the caller's names until Commit
// moves them to their paths; hidden, so no delivered path is ever it.
const stagedDir = ".staged"

// Upload is a delivery whose files the caller writes itself (the portal's
// upload, streamed from the network) where a receive stages its files: in
// a hidden directory inside a local store, so that Commit moves them into
// the extraction by renaming them on the same file system, with the sizes
// and hashes the caller measured while writing — nothing is copied or
// read again. A store of objects stages in a temporary directory and
// uploads on Commit. Close removes whatever Commit did not keep: call it
// always.
type Upload struct {
	s    *Store
	tmp  string   // the staging directory
	root *os.Root // tmp
	done bool
}

// StagedFile is one file of an Upload: the caller wrote it as Name (a
// plain file name of its own choosing) through Create, measured Size and
// SHA256 while writing it, and wants it at Path in the extraction.
type StagedFile struct {
	Name   string
	Path   string // slash-separated path inside the extraction
	From   string // what it came from, for messages and the manifest
	Size   int64
	SHA256 string // hex
}

// NewUpload starts an upload into the store.
func (s *Store) NewUpload() (*Upload, error) {
	var tmp string
	var err error
	if s.objects != nil {
		tmp, err = os.MkdirTemp("", "handover-receive-")
	} else {
		if err := os.MkdirAll(s.root, 0o755); err != nil {
			return nil, err
		}
		s.sweepStale()
		tmp, err = os.MkdirTemp(s.root, stagingPrefix)
	}
	if err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(tmp)
	if err == nil {
		err = root.Mkdir(stagedDir, 0o700)
	}
	if err != nil {
		if root != nil {
			root.Close()
		}
		forceRemove(tmp)
		return nil, err
	}
	return &Upload{s: s, tmp: tmp, root: root}, nil
}

// Create creates the new file name (a plain name, not yet taken) for
// reading and writing.
func (u *Upload) Create(name string) (*os.File, error) {
	if name != filepath.Base(name) || name == "." || name == ".." {
		return nil, fmt.Errorf("upload: %q is no plain file name", name)
	}
	return u.root.OpenFile(stagedDir+"/"+name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
}

// Remove removes the file name written with Create.
func (u *Upload) Remove(name string) error {
	return u.root.Remove(stagedDir + "/" + name)
}

// Path is where the file name written with Create is, for readers that
// open files by name.
func (u *Upload) Path(name string) string {
	return filepath.Join(u.tmp, stagedDir, name)
}

// Close removes the upload's files unless Commit stored them.
func (u *Upload) Close() {
	if u.root != nil {
		u.root.Close()
		u.root = nil
	}
	if !u.done || u.s.objects != nil {
		forceRemove(u.tmp)
	}
}

// Commit moves the files to their paths and stores them as the next
// numbered extraction, uploaded by the account by: the same checks of the
// paths, the same numbering and the same read-only tree as Receive, with
// the caller's sizes and hashes in the manifest. Files the caller wrote
// but did not list are removed. Commit is called at most once.
func (u *Upload) Commit(ctx context.Context, files []StagedFile, label, by string, now time.Time) (*Extraction, error) {
	if u.done || u.root == nil {
		return nil, errors.New("upload: committed or closed already")
	}
	if len(files) == 0 {
		return nil, errors.New("the delivery holds no files")
	}
	g := &stager{ctx: ctx, dir: u.tmp, fileFrom: map[string]string{}, dirFrom: map[string]string{}}
	mtime := now.UTC()
	m := Manifest{Label: label, Received: mtime, By: by}
	seen := map[string]bool{}
	for _, f := range files {
		if err := u.move(g, f, mtime); err != nil {
			return nil, err
		}
		m.Files = append(m.Files, File{Path: f.Path, Size: f.Size, SHA256: f.SHA256, ModTime: mtime})
		if !seen[f.From] {
			seen[f.From] = true
			m.Sources = append(m.Sources, f.From)
		}
	}
	if err := u.root.RemoveAll(stagedDir); err != nil {
		return nil, fmt.Errorf("store the delivery: %w", err)
	}
	sort.Strings(m.Sources)
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Path < m.Files[j].Path })
	if u.s.objects != nil {
		u.done = true // the staged files are uploaded from here; Close removes them
		return u.s.storeObjects(ctx, u.tmp, m)
	}
	x, err := u.s.commit(u.tmp, m)
	if err != nil {
		return nil, err
	}
	u.done = true
	return x, nil
}

// move renames one staged file to its path inside the staging directory
// (the same file system: nothing is copied).
func (u *Upload) move(g *stager, f StagedFile, mtime time.Time) error {
	if err := g.ctx.Err(); err != nil {
		return err
	}
	rel, err := MemberPath(f.Path)
	if first, _, _ := strings.Cut(rel, "/"); err != nil || rel == "" || rel != f.Path || first == stagedDir {
		return fmt.Errorf("%s: path %q not allowed in an extraction", f.From, f.Path)
	}
	if err := g.claim(rel, f.From); err != nil {
		return err
	}
	if dir := path.Dir(rel); dir != "." {
		if err := u.root.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("store %s: %w", f.From, err)
		}
	}
	if err := u.root.Rename(stagedDir+"/"+f.Name, rel); err != nil {
		return fmt.Errorf("store %s: %w", f.From, err)
	}
	return u.root.Chtimes(rel, mtime, mtime)
}
