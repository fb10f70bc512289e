package extract

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// ObjectPrefix is the folder of a store the extractions live in: object
// extractions/N/PATH is file PATH of extraction N, and
// extractions/N/manifest.json its manifest.
const ObjectPrefix = "extractions/"

// NewObjectStore returns the store of the extractions kept as objects in
// a store that is not a local directory (an S3 bucket shared by a team's
// machines). A delivery is staged in a local temporary directory — every
// file hashed while it is copied — and then uploaded, each object checked
// against its hash by the store; the manifest goes last, so an extraction
// whose upload was cut short has none and does not exist.
func NewObjectStore(objects Objects) *Store {
	return &Store{objects: objects}
}

func objectRoot(n int) string { return ObjectPrefix + strconv.Itoa(n) }

// claimPath is the object by which a receive takes number n before it
// uploads anything: written only if absent (see creator), so that two
// receives at the same moment, on any machines, never share a number.
func claimPath(n int) string { return objectRoot(n) + ".claim" }

// creator is the optional capability of Objects to store an object only
// where none is (a conditional PUT); *files.S3Store has it. An object
// there already is an error matching fs.ErrExist.
type creator interface {
	Create(ctx context.Context, path string, data []byte) error
}

// getObject reads extraction n's manifest from the store.
func (s *Store) getObject(ctx context.Context, n int) (*Extraction, error) {
	root := objectRoot(n)
	rc, err := s.objects.Open(ctx, root+"/"+ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		nums, _, lerr := s.objectList(ctx)
		if lerr != nil {
			return nil, lerr
		}
		return nil, notFound(n, nums)
	}
	if err != nil {
		return nil, fmt.Errorf("open extraction %d: %w", n, err)
	}
	defer rc.Close()
	var m Manifest
	if err := json.NewDecoder(io.LimitReader(rc, 64<<20)).Decode(&m); err != nil {
		return nil, fmt.Errorf("open extraction %d: %s/%s in %s: %w", n, root, ManifestName, s.objects, err)
	}
	if m.Number != n {
		return nil, fmt.Errorf("open extraction %d: %s/%s in %s says it is extraction %d", n, root, ManifestName, s.objects, m.Number)
	}
	return &Extraction{Manifest: m, objects: s.objects, root: root}, nil
}

// objectNumbers lists the extractions of the store.
func (s *Store) objectNumbers(ctx context.Context) ([]int, error) {
	nums, _, err := s.objectList(ctx)
	return nums, err
}

// objectList lists the extractions of the store — 1, 2, … up to the
// first number neither received nor claimed (numbers are taken in order
// and never given back; a claimed number without a manifest is a receive
// under way or one that failed) — and the next free number.
func (s *Store) objectList(ctx context.Context) (nums []int, next int, err error) {
	for n := 1; ; n++ {
		ok, err := s.exists(ctx, objectRoot(n)+"/"+ManifestName)
		if err != nil {
			return nil, 0, fmt.Errorf("list extractions: %w", err)
		}
		if ok {
			nums = append(nums, n)
			continue
		}
		if _, canClaim := s.objects.(creator); !canClaim {
			return nums, n, nil
		}
		if ok, err = s.exists(ctx, claimPath(n)); err != nil {
			return nil, 0, fmt.Errorf("list extractions: %w", err)
		}
		if !ok {
			return nums, n, nil
		}
	}
}

func (s *Store) exists(ctx context.Context, path string) (bool, error) {
	rc, err := s.objects.Open(ctx, path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rc.Close()
	return true, nil
}

// claim takes the next free number for a receive: with a store that can
// create an object only where none is, by its claim object (retrying with
// the following number when another receive took it); otherwise the next
// number, checked again before the manifest is written.
func (s *Store) claim(ctx context.Context, m Manifest) (int, error) {
	_, n, err := s.objectList(ctx)
	if err != nil {
		return 0, err
	}
	c, ok := s.objects.(creator)
	if !ok {
		return n, nil
	}
	note, err := json.Marshal(struct {
		Received time.Time `json:"received"`
		Sources  []string  `json:"sources"`
	}{m.Received, m.Sources})
	if err != nil {
		return 0, err
	}
	for range maxNumberAttempts {
		err := c.Create(ctx, claimPath(n), note)
		if err == nil {
			return n, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return 0, fmt.Errorf("store extraction %d: %w", n, err)
		}
		n++
	}
	return 0, fmt.Errorf("store extraction: no free number after %d attempts", maxNumberAttempts)
}

// receiveObjects stages a delivery locally and uploads it as the next
// extraction, under a number it claimed first (see claim).
func (s *Store) receiveObjects(ctx context.Context, d Delivery) (*Extraction, error) {
	tmp, err := os.MkdirTemp("", "handover-receive-")
	if err != nil {
		return nil, err
	}
	defer forceRemove(tmp)
	m, err := s.stage(ctx, tmp, tmp, d)
	if err != nil {
		return nil, err
	}
	return s.storeObjects(ctx, tmp, m)
}

// storeObjects uploads the files staged in tmp as the next extraction,
// under a number it claims first (see claim).
func (s *Store) storeObjects(ctx context.Context, tmp string, m Manifest) (*Extraction, error) {
	var err error
	if m.Number, err = s.claim(ctx, m); err != nil {
		return nil, err
	}
	root := objectRoot(m.Number)
	for _, f := range m.Files {
		if err := s.upload(ctx, tmp, root, f); err != nil {
			return nil, fmt.Errorf("store extraction %d: %w", m.Number, err)
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	data = append(data, '\n')
	if rc, err := s.objects.Open(ctx, root+"/"+ManifestName); err == nil {
		rc.Close()
		return nil, fmt.Errorf("store extraction %d: another receive took that number at the same time: receive again", m.Number)
	}
	sum := sha256.Sum256(data)
	if err := s.objects.Put(ctx, root+"/"+ManifestName, bytes.NewReader(data), int64(len(data)), hex.EncodeToString(sum[:])); err != nil {
		return nil, fmt.Errorf("store extraction %d: %w", m.Number, err)
	}
	return &Extraction{Manifest: m, objects: s.objects, root: root}, nil
}

// upload puts one staged file; the store checks it against its hash.
func (s *Store) upload(ctx context.Context, tmp, root string, f File) error {
	in, err := os.Open(filepath.Join(tmp, filepath.FromSlash(f.Path)))
	if err != nil {
		return err
	}
	defer in.Close()
	return s.objects.Put(ctx, root+"/"+f.Path, in, f.Size, f.SHA256)
}
