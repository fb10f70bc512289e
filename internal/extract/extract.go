// Package extract stores a customer's deliveries as numbered, immutable,
// content-hashed extractions under the project's .handover/extractions.
package extract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Manifest is an extraction's manifest.json.
type Manifest struct {
	Number   int       `json:"number"`
	Label    string    `json:"label,omitempty"`
	Received time.Time `json:"received"`
	// By is the account that uploaded the delivery through the portal;
	// "" when it was received otherwise. Written with the files, it names
	// a delivery whose check a killed server never queued.
	By      string   `json:"by,omitempty"`
	Sources []string `json:"sources"` // what was received (base names only; never full local paths)
	Files   []File   `json:"files"`   // sorted by Path
}

// File is one stored file. Path is slash-separated, relative to the
// extraction root.
type File struct {
	Path    string    `json:"path"`
	Size    int64     `json:"size"`
	SHA256  string    `json:"sha256"` // hex
	ModTime time.Time `json:"mtime"`
}

// Extraction is one stored delivery.
type Extraction struct {
	Manifest
	// Dir is the absolute directory holding the files; "" when they are
	// objects of a store (see Objects).
	Dir     string
	objects Objects // nil: the files are in Dir
	root    string  // the extraction's folder in objects: extractions/N
}

// ManifestName is the name of the manifest file at the top of every
// extraction directory. A delivery may not hold a file of that name at its
// top level.
const ManifestName = "manifest.json"

// Store keeps the numbered extractions in one directory: <root>/1,
// <root>/2, … Deliveries are staged in hidden temporary directories inside
// root and renamed to their number only once complete.
type Store struct {
	root    string
	limits  Limits  // what an archive may unpack to
	objects Objects // nil: the extractions are directories below root
}

// NewStore returns the store rooted at root, usually
// <project>/.handover/extractions. The directory is created by the first
// Receive.
func NewStore(root string) *Store {
	if abs, err := filepath.Abs(root); err == nil {
		root = abs
	}
	return &Store{root: root}
}

// Get returns extraction n.
func (s *Store) Get(n int) (*Extraction, error) {
	if s.objects != nil {
		return s.getObject(context.Background(), n)
	}
	dir := filepath.Join(s.root, strconv.Itoa(n))
	if _, err := os.Stat(dir); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open extraction %d: %w", n, err)
		}
		nums, lerr := s.numbers()
		if lerr != nil {
			return nil, lerr
		}
		return nil, notFound(n, nums)
	}
	return readExtraction(dir, n)
}

// Latest returns the extraction with the highest number.
func (s *Store) Latest() (*Extraction, error) {
	nums, err := s.numbers()
	if err != nil {
		return nil, err
	}
	if len(nums) == 0 {
		return nil, errNoExtraction
	}
	return s.Get(nums[len(nums)-1])
}

// List returns every extraction, ascending by number; none is no error.
func (s *Store) List() ([]*Extraction, error) {
	nums, err := s.numbers()
	if err != nil {
		return nil, err
	}
	out := make([]*Extraction, 0, len(nums))
	for _, n := range nums {
		x, err := s.Get(n)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

var errNoExtraction = errors.New("no extraction yet: run `handover receive PATH` first")

func notFound(n int, nums []int) error {
	if len(nums) == 0 {
		return errNoExtraction
	}
	list := make([]string, len(nums))
	for i, v := range nums {
		list[i] = strconv.Itoa(v)
	}
	return fmt.Errorf("extraction %d does not exist (extractions: %s)", n, strings.Join(list, ", "))
}

// numbers lists the numbered extraction directories, ascending.
func (s *Store) numbers() ([]int, error) {
	if s.objects != nil {
		return s.objectNumbers(context.Background())
	}
	entries, err := os.ReadDir(s.root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list extractions: %w", err)
	}
	var nums []int
	for _, e := range entries {
		if n, ok := parseNumber(e.Name()); ok && e.IsDir() {
			nums = append(nums, n)
		}
	}
	sort.Ints(nums)
	return nums, nil
}

// parseNumber accepts the canonical decimal form of a positive number only
// ("7", not "07" or "+7").
func parseNumber(name string) (int, bool) {
	n, err := strconv.Atoi(name)
	if err != nil || n <= 0 || strconv.Itoa(n) != name {
		return 0, false
	}
	return n, true
}

func readExtraction(dir string, n int) (*Extraction, error) {
	data, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("open extraction %d: %w", n, err)
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("open extraction %d: %s: %w", n, filepath.Join(dir, ManifestName), err)
	}
	if m.Number != n {
		return nil, fmt.Errorf("open extraction %d: %s says it is extraction %d", n, filepath.Join(dir, ManifestName), m.Number)
	}
	return &Extraction{Manifest: m, Dir: dir}, nil
}
