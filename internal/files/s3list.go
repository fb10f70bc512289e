package files

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"

	"github.com/minio/minio-go/v7"
)

// List lists the keys below the store's prefix. The SHA-256 comes from the
// listing where the server includes metadata (MinIO), else from the hash
// index while size and ETag still match, else from a HEAD request per
// object, made in parallel.
func (s *S3Store) List(ctx context.Context, prefix string) ([]Object, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	s.loadIndex(ctx)
	var out []Object
	opts := minio.ListObjectsOptions{Prefix: s.key(prefix), Recursive: true, WithMetadata: true}
	for info := range s.client.ListObjects(ctx, s.bucket, opts) {
		if info.Err != nil {
			return nil, s.errorf("list", "", info.Err)
		}
		if !strings.HasPrefix(info.Key, s.prefix) || strings.HasSuffix(info.Key, "/") || reserved(info.Key[len(s.prefix):]) {
			continue // a folder marker or the store's own
		}
		o := s.object(info)
		if o.SHA256 == "" {
			o.SHA256 = s.cached(o, info.ETag)
		}
		out = append(out, o)
	}
	if err := s.fillHashes(ctx, out); err != nil {
		return nil, err
	}
	if prefix == "" {
		s.prune(out)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// reserved reports whether a path has a segment with the reserved prefix.
func reserved(p string) bool {
	return strings.HasPrefix(p, reservedPrefix) || strings.Contains(p, "/"+reservedPrefix)
}

// fillHashes asks the objects whose hash is still unknown for it, and
// remembers the answers in the index.
func (s *S3Store) fillHashes(ctx context.Context, objs []Object) error {
	var todo []int
	for i := range objs {
		if objs[i].SHA256 == "" {
			todo = append(todo, i)
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
	)
	run(ctx, todo, statParallel, func(i int) {
		info, err := s.client.StatObject(ctx, s.bucket, s.key(objs[i].Path), minio.StatObjectOptions{Checksum: true})
		if err != nil && minio.ToErrorResponse(err).StatusCode == http.StatusNotFound {
			return // removed since the listing: its hash stays unknown
		}
		if err != nil {
			mu.Lock()
			if firstErr == nil {
				firstErr = s.errorf("stat", objs[i].Path, err)
			}
			mu.Unlock()
			return
		}
		o := s.object(info)
		objs[i].SHA256 = o.SHA256
		s.remember(o.Path, info.Size, info.ETag, o.SHA256)
	})
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}
