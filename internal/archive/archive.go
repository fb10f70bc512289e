// Package archive keeps the exact inputs of every run — recipes, fixture
// tests, format, lookup tables, gate — content-addressed and deduplicated
// in the artifact store, so that a past run can be explained and replayed
// after the project has moved on. A run's protocol names its archive by
// the sha256 of its manifest.
package archive

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
	"sort"
	"strings"

	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipetest"
)

// Prefix is where the archive's objects live in the artifact store.
const Prefix = "archive/"

// Manifest lists one run's inputs.
type Manifest struct {
	Migration string          `json:"migration"`
	Customer  string          `json:"customer,omitempty"`
	Format    Blob            `json:"format"`
	Recipes   map[string]Blob `json:"recipes"`           // by entity
	Tests     map[string]Blob `json:"tests,omitempty"`   // by entity
	Lookups   map[string]Blob `json:"lookups,omitempty"` // by table
	Gate      *Blob           `json:"gate,omitempty"`    // the gate: section of handover.yaml
}

// Blob is one archived file.
type Blob struct {
	Name   string `json:"name"` // the file as the project names it
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Save archives the project's inputs (and the test files) into store and
// returns the manifest's hash, "sha256:<hex>". Objects already stored
// are not written again.
func Save(ctx context.Context, store files.Store, p *project.Project, tests []*recipetest.File) (string, error) {
	m := &Manifest{Migration: p.Migration, Customer: p.Customer, Recipes: map[string]Blob{}}
	var err error
	put := func(name string, data []byte) Blob {
		b, perr := putBlob(ctx, store, name, data)
		err = errors.Join(err, perr)
		return b
	}
	m.Format = put(p.Files.FormatName, p.Files.Format)
	for entity, data := range p.Files.Recipes {
		m.Recipes[entity] = put("recipes/"+entity+".yaml", data)
	}
	for table, data := range p.Files.Lookups {
		if m.Lookups == nil {
			m.Lookups = map[string]Blob{}
		}
		m.Lookups[table] = put("lookups/"+table+".csv", data)
	}
	for _, t := range tests {
		if m.Tests == nil {
			m.Tests = map[string]Blob{}
		}
		m.Tests[t.Entity] = put("recipes/"+t.Entity+".test.yaml", t.Data)
	}
	if p.Files.Gate != nil {
		g := put("gate", p.Files.Gate)
		m.Gate = &g
	}
	if err != nil {
		return "", fmt.Errorf("archive run inputs: %w", err)
	}
	data, jerr := json.Marshal(m) // maps marshal sorted: the same inputs give the same bytes
	if jerr != nil {
		return "", fmt.Errorf("archive run inputs: %w", jerr)
	}
	b, err := putBlob(ctx, store, "manifest", data)
	if err != nil {
		return "", fmt.Errorf("archive run inputs: %w", err)
	}
	return b.SHA256, nil
}

func putBlob(ctx context.Context, store files.Store, name string, data []byte) (Blob, error) {
	sum := sha256.Sum256(data)
	hexSum := hex.EncodeToString(sum[:])
	b := Blob{Name: name, SHA256: "sha256:" + hexSum, Size: int64(len(data))}
	path := Prefix + hexSum
	if o, err := store.Stat(ctx, path); err == nil && o.Size == b.Size {
		return b, nil // stored before: content-addressed, so the same bytes
	}
	if err := store.Put(ctx, path, bytes.NewReader(data), b.Size, hexSum); err != nil {
		return b, fmt.Errorf("store %s: %w", name, err)
	}
	return b, nil
}

// Read returns an archived object's bytes, checking its hash.
func Read(ctx context.Context, store files.Store, hash string) ([]byte, error) {
	hexSum, ok := strings.CutPrefix(hash, "sha256:")
	if !ok || len(hexSum) != 64 {
		return nil, fmt.Errorf("read archive: %q is no sha256:<hex> hash", hash)
	}
	rc, err := store.Open(ctx, Prefix+hexSum)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read archive: %s is not in the artifact store (%s)", hash, store)
	}
	if err != nil {
		return nil, fmt.Errorf("read archive: %w", err)
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, fmt.Errorf("read archive %s: %w", hash, err)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != hexSum {
		return nil, fmt.Errorf("read archive: %s does not hash to its name (the store was altered)", hash)
	}
	return data, nil
}

// Load reads a manifest.
func Load(ctx context.Context, store files.Store, hash string) (*Manifest, error) {
	data, err := Read(ctx, store, hash)
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("read archive %s: %w", hash, err)
	}
	return &m, nil
}

// Entities returns the manifest's recipe entities, sorted.
func (m *Manifest) Entities() []string { return sortedKeys(m.Recipes) }

func sortedKeys(m map[string]Blob) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
