package files

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// IndexUser is an optional Store capability: UseIndex keeps the store's
// hash index in the local file name, in handover's own state. Listings
// carry sizes (and ETags or modification times) but no SHA-256; the index
// remembers the hash each object had with that size and version, so a
// sync does not ask every object again. It lives outside the destination,
// which holds exactly the delivered files. Without it the index is kept
// in memory for one command only.
type IndexUser interface {
	UseIndex(name string)
}

// indexEntry is an object's SHA-256 with the size and version tag (S3
// ETag, file modification time) it had when the hash was recorded.
type indexEntry struct {
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
	SHA256 string `json:"sha256"`
}

// hashIndex is a store's hash cache. An entry counts only while size and
// tag still match: content replaced by anyone changes the tag and is
// hashed again. Lost, stale or unwritable, it costs time, never
// correctness.
type hashIndex struct {
	mu      sync.Mutex
	file    string // "" for memory only
	loaded  bool
	dirty   bool
	entries map[string]indexEntry
}

func (ix *hashIndex) use(name string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	ix.file, ix.loaded = name, false
}

// load reads the index file once; a missing or unreadable one is empty.
func (ix *hashIndex) load() {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.loaded {
		return
	}
	entries := map[string]indexEntry{}
	if ix.file != "" {
		if data, err := os.ReadFile(ix.file); err == nil {
			json.Unmarshal(data, &entries)
		}
	}
	for p, e := range ix.entries { // recorded before the load
		entries[p] = e
	}
	ix.entries, ix.loaded = entries, true
}

// lookup returns the SHA-256 recorded for p with this size and tag, or "".
func (ix *hashIndex) lookup(p string, size int64, tag string) string {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.entries[p]
	if !ok || tag == "" || e.ETag != tag || e.Size != size {
		return ""
	}
	return e.SHA256
}

// suspicious reports whether p is known with the same size and hash but
// another tag: the content was replaced and the hash metadata copied
// along, so the hash cannot be trusted.
func (ix *hashIndex) suspicious(p string, size int64, tag, sha string) bool {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	e, ok := ix.entries[p]
	return ok && tag != "" && e.ETag != tag && e.Size == size && e.SHA256 == sha
}

// remember records the hash of an object the store wrote or read.
func (ix *hashIndex) remember(p string, size int64, tag, sha string) {
	if tag == "" || sha == "" {
		return
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.entries == nil {
		ix.entries = map[string]indexEntry{}
	}
	if e := (indexEntry{size, tag, sha}); ix.entries[p] != e {
		ix.entries[p] = e
		ix.dirty = true
	}
}

// forget drops p.
func (ix *hashIndex) forget(p string) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if _, ok := ix.entries[p]; ok {
		delete(ix.entries, p)
		ix.dirty = true
	}
}

// prune forgets the paths a full listing no longer shows.
func (ix *hashIndex) prune(listed []Object) {
	seen := make(map[string]bool, len(listed))
	for _, o := range listed {
		seen[o.Path] = true
	}
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for p := range ix.entries {
		if !seen[p] {
			delete(ix.entries, p)
			ix.dirty = true
		}
	}
}

// flush writes the index file if it changed (atomically: a temporary
// file renamed over it).
func (ix *hashIndex) flush() error {
	ix.mu.Lock()
	if !ix.dirty || !ix.loaded || ix.file == "" {
		ix.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(ix.entries)
	ix.dirty = false
	file := ix.file
	ix.mu.Unlock()
	if err == nil {
		err = writeFileAtomic(file, data)
	}
	if err != nil {
		ix.mu.Lock()
		ix.dirty = true
		ix.mu.Unlock()
		return fmt.Errorf("write the hash index %s: %w", file, err)
	}
	return nil
}

func writeFileAtomic(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".tmp-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), name)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
