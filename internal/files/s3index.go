package files

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"sync"

	"github.com/minio/minio-go/v7"
)

// indexName is the object, below the store's prefix, that caches each
// object's SHA-256 together with the size and ETag it had when the store
// wrote or last read it. Listings carry size and ETag but no metadata, so
// without it every sync would ask every object for its hash (one HEAD
// each). An entry counts only while size and ETag still match the
// listing: content replaced by anyone changes the ETag and is asked
// again. The index is a cache: lost, stale or unwritable, it costs time,
// never correctness.
const indexName = reservedPrefix + "index.json"

// Flusher is an optional Store capability: Flush persists what the store
// caches. Apply calls it when done.
type Flusher interface {
	Flush(ctx context.Context) error
}

type indexEntry struct {
	Size   int64  `json:"size"`
	ETag   string `json:"etag"`
	SHA256 string `json:"sha256"`
}

type s3Index struct {
	mu      sync.Mutex
	loaded  bool
	dirty   bool
	entries map[string]indexEntry
}

// loadIndex reads the index once; a missing or unreadable one is empty.
func (s *S3Store) loadIndex(ctx context.Context) {
	s.index.mu.Lock()
	loaded := s.index.loaded
	s.index.mu.Unlock()
	if loaded {
		return
	}
	entries := map[string]indexEntry{}
	if obj, err := s.client.GetObject(ctx, s.bucket, s.key(indexName), minio.GetObjectOptions{}); err == nil {
		if data, err := io.ReadAll(obj); err == nil {
			json.Unmarshal(data, &entries)
		}
		obj.Close()
	}
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	if !s.index.loaded {
		for p, e := range s.index.entries { // recorded before the load
			entries[p] = e
		}
		s.index.entries, s.index.loaded = entries, true
	}
}

// cached returns the SHA-256 the index holds for o, or "".
func (s *S3Store) cached(o Object, etag string) string {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	e, ok := s.index.entries[o.Path]
	if !ok || etag == "" || e.ETag != etag || e.Size != o.Size {
		return ""
	}
	return e.SHA256
}

// suspicious reports whether the index knows path with the same size and
// hash but another ETag: the content was replaced and the hash metadata
// copied along, so the hash cannot be trusted.
func (s *S3Store) suspicious(p string, size int64, etag, sha string) bool {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	e, ok := s.index.entries[p]
	return ok && etag != "" && e.ETag != etag && e.Size == size && e.SHA256 == sha
}

// remember records the hash of an object the store wrote or read.
func (s *S3Store) remember(p string, size int64, etag, sha string) {
	if etag == "" || sha == "" {
		return
	}
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	if s.index.entries == nil {
		s.index.entries = map[string]indexEntry{}
	}
	if e := (indexEntry{size, etag, sha}); s.index.entries[p] != e {
		s.index.entries[p] = e
		s.index.dirty = true
	}
}

// forget drops path from the index.
func (s *S3Store) forget(p string) {
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	if _, ok := s.index.entries[p]; ok {
		delete(s.index.entries, p)
		s.index.dirty = true
	}
}

// prune forgets the paths a full listing no longer shows.
func (s *S3Store) prune(listed []Object) {
	seen := make(map[string]bool, len(listed))
	for _, o := range listed {
		seen[o.Path] = true
	}
	s.index.mu.Lock()
	defer s.index.mu.Unlock()
	for p := range s.index.entries {
		if !seen[p] {
			delete(s.index.entries, p)
			s.index.dirty = true
		}
	}
}

// Flush writes the index if it changed.
func (s *S3Store) Flush(ctx context.Context) error {
	s.index.mu.Lock()
	if !s.index.dirty || !s.index.loaded {
		s.index.mu.Unlock()
		return nil
	}
	data, err := json.Marshal(s.index.entries)
	s.index.dirty = false
	s.index.mu.Unlock()
	if err != nil {
		return s.errorf("write the hash index of", "", err)
	}
	_, err = s.client.PutObject(ctx, s.bucket, s.key(indexName), bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: "application/json", DisableContentSha256: true})
	if err != nil {
		s.index.mu.Lock()
		s.index.dirty = true
		s.index.mu.Unlock()
		return s.errorf("write the hash index of", "", err)
	}
	return nil
}
