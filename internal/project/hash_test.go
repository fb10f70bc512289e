package project

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func mustRead(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustLoad(t *testing.T, dir string) *Project {
	t.Helper()
	p, err := Load(dir, env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return p
}

func TestHashes(t *testing.T) {
	dir := writeProject(t, nil)
	h := mustLoad(t, dir).Hashes
	sum := sha256.Sum256(mustRead(t, dir, "format.yaml"))
	if want := "sha256:" + hex.EncodeToString(sum[:]); h.Format != want {
		t.Errorf("format hash %s, want %s", h.Format, want)
	}
	if again := mustLoad(t, dir).Hashes; again != h {
		t.Errorf("hashes differ between two loads: %+v, %+v", h, again)
	}
	// Pinned (computed independently): sha256 over, per entity in format
	// order, name NUL len NUL bytes. A change here changes every protocol.
	if want := "sha256:30e6eab5072caa772cca73d6a4890cdc39d04bd362eb8e150b09f5abcfc320d4"; h.Recipes != want {
		t.Errorf("recipes hash %s, want %s", h.Recipes, want)
	}

	// The recipe file's name does not matter, its bytes do.
	if err := os.Rename(filepath.Join(dir, "recipes/contacts.yaml"), filepath.Join(dir, "recipes/kontakte.yaml")); err != nil {
		t.Fatal(err)
	}
	if renamed := mustLoad(t, dir).Hashes; renamed != h {
		t.Errorf("renaming a recipe file changed the hashes: %+v, %+v", h, renamed)
	}
	edited := append(mustRead(t, dir, "recipes/kontakte.yaml"), "# comment\n"...)
	if err := os.WriteFile(filepath.Join(dir, "recipes/kontakte.yaml"), edited, 0o644); err != nil {
		t.Fatal(err)
	}
	e := mustLoad(t, dir).Hashes
	if e.Recipes == h.Recipes || e.Format != h.Format || e.Lookups != h.Lookups {
		t.Errorf("editing a recipe: before %+v, after %+v", h, e)
	}

	// A lookup table's name counts: same bytes under another name differ.
	if err := os.Rename(filepath.Join(dir, "lookups/kategorien.csv"), filepath.Join(dir, "lookups/categories.csv")); err != nil {
		t.Fatal(err)
	}
	if l := mustLoad(t, dir).Hashes; l.Lookups == e.Lookups || l.Recipes != e.Recipes {
		t.Errorf("renaming a lookup: before %+v, after %+v", e, l)
	}
}
