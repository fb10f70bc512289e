package files

import "context"

// Flusher is an optional Store capability: Flush persists what the store
// caches. Apply calls it when done.
type Flusher interface {
	Flush(ctx context.Context) error
}

// UseIndex keeps the hash index in the local file name (see IndexUser).
func (s *S3Store) UseIndex(name string) { s.index.use(name) }

// loadIndex reads the index once.
func (s *S3Store) loadIndex(context.Context) { s.index.load() }

// cached returns the SHA-256 the index holds for o with this ETag, or "".
func (s *S3Store) cached(o Object, etag string) string { return s.index.lookup(o.Path, o.Size, etag) }

// suspicious: see hashIndex.suspicious.
func (s *S3Store) suspicious(p string, size int64, etag, sha string) bool {
	return s.index.suspicious(p, size, etag, sha)
}

// remember records the hash of an object the store wrote or read.
func (s *S3Store) remember(p string, size int64, etag, sha string) {
	s.index.remember(p, size, etag, sha)
}

// forget drops path from the index.
func (s *S3Store) forget(p string) { s.index.forget(p) }

// prune forgets the paths a full listing no longer shows.
func (s *S3Store) prune(listed []Object) { s.index.prune(listed) }

// Flush writes the index file if it changed.
func (s *S3Store) Flush(context.Context) error { return s.index.flush() }
