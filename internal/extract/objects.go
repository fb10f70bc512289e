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

// getObject reads extraction n's manifest from the store.
func (s *Store) getObject(ctx context.Context, n int) (*Extraction, error) {
	root := objectRoot(n)
	rc, err := s.objects.Open(ctx, root+"/"+ManifestName)
	if errors.Is(err, fs.ErrNotExist) {
		nums, lerr := s.objectNumbers(ctx)
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

// objectNumbers lists the extractions of the store: 1, 2, … up to the
// first number without a manifest (numbers are taken in order and never
// given back).
func (s *Store) objectNumbers(ctx context.Context) ([]int, error) {
	var nums []int
	for n := 1; ; n++ {
		rc, err := s.objects.Open(ctx, objectRoot(n)+"/"+ManifestName)
		if errors.Is(err, fs.ErrNotExist) {
			return nums, nil
		}
		if err != nil {
			return nil, fmt.Errorf("list extractions: %w", err)
		}
		rc.Close()
		nums = append(nums, n)
	}
}

// receiveObjects stages a delivery locally and uploads it as the next
// extraction. Two receives into one bucket at the same moment may pick
// the same number: the second finds the manifest there before it writes
// its own and fails, naming the number.
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
	nums, err := s.objectNumbers(ctx)
	if err != nil {
		return nil, err
	}
	m.Number = len(nums) + 1
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
