// Package files ships an extraction's binary files (attachments) to an
// environment's file store — a local directory or any S3-compatible
// service — and verifies what the store holds.
//
// A sync plans first (new, changed, unchanged and extra files, decided by
// size and the SHA-256 stored with every object, never by downloading) and
// then applies the plan: uploads in parallel, each one atomic, so a sync
// that was killed or lost its network is finished by running it again.
package files

import (
	"context"
	"errors"
	"fmt"
	"io"

	"strings"
	"time"

	"github.com/handover/handover/internal/redact"
)

// Object is one file in a store. Path is slash-separated and relative to
// the store's root.
type Object struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256,omitempty"` // hex, stored with the object; "" when unknown
	ModTime time.Time `json:"mtime"`
}

// Store is a file store. Paths are slash-separated and relative to the
// store's root. Methods that find no object return an error matching
// fs.ErrNotExist.
type Store interface {
	// List returns the objects whose path starts with prefix ("" for all),
	// sorted by path (byte order).
	List(ctx context.Context, prefix string) ([]Object, error)
	// Stat returns one object.
	Stat(ctx context.Context, path string) (Object, error)
	// Open reads one object.
	Open(ctx context.Context, path string) (io.ReadCloser, error)
	// Put stores size bytes from r under path with their SHA-256 (hex),
	// replacing any object there. It is atomic: an interrupted or failed Put
	// leaves the old object (or none), never a partial one, and it fails
	// without storing anything when r does not hold exactly size bytes
	// hashing to sha256hex.
	Put(ctx context.Context, path string, r io.Reader, size int64, sha256hex string) error
	// Remove deletes one object; removing a missing object is no error.
	Remove(ctx context.Context, path string) error
	// String describes the store without credentials.
	String() string
}

// Open returns the store a URL names: dir://PATH (an absolute directory,
// created by the first Put) or
// s3://BUCKET/PREFIX?endpoint=HOST:PORT&region=R&secure=true|false.
// Credentials are used by S3 stores only.
func Open(ctx context.Context, rawURL string, creds Credentials) (Store, error) {
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("open file store %q: use dir://PATH or s3://BUCKET/PREFIX", redactURL(rawURL))
	}
	switch strings.ToLower(scheme) {
	case "dir":
		return openDir(rest)
	case "s3":
		return openS3(ctx, rawURL, creds)
	}
	return nil, fmt.Errorf("open file store %q: unsupported scheme %q (use dir:// or s3://)", redactURL(rawURL), scheme)
}

// redactURL hides the credentials a store URL may carry, for error
// messages, with the shared redactor (see redact.StoreURL).
func redactURL(raw string) string { return redact.StoreURL(raw) }

// reservedPrefix starts every name the stores keep for themselves
// (temporary files, hash sidecars); no object path may use it.
const reservedPrefix = ".handover-"

// CheckPath reports whether p can name an object: a non-empty,
// slash-separated relative path without empty, "." or ".." segments, NUL
// bytes, or segments starting with the reserved ".handover-".
func CheckPath(p string) error {
	if p == "" {
		return errors.New("empty path")
	}
	if strings.ContainsRune(p, 0) {
		return fmt.Errorf("path %q contains a NUL byte", p)
	}
	for _, seg := range strings.Split(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("path %q has an empty segment (leading, trailing or double slash)", p)
		case seg == "." || seg == "..":
			return fmt.Errorf("path %q has a %q segment", p, seg)
		case strings.HasPrefix(seg, reservedPrefix):
			return fmt.Errorf("path %q uses the reserved name prefix %q", p, reservedPrefix)
		}
	}
	return nil
}

// checkHex reports whether s is a SHA-256 in lower-case hex.
func checkHex(s string) error {
	if len(s) != 64 {
		return fmt.Errorf("sha256 %q is not 64 hex digits", s)
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("sha256 %q is not lower-case hex", s)
		}
	}
	return nil
}
