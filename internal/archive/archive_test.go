package archive

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipetest"
)

func TestSaveDedupesAndMaterializes(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	tests, err := recipetest.Load(p, "")
	if err != nil {
		t.Fatal(err)
	}
	store, err := files.NewDirStore(filepath.Join(dir, ".handover"))
	if err != nil {
		t.Fatal(err)
	}
	h1, err := Save(ctx, store, p, tests)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := Save(ctx, store, p, tests)
	if err != nil || h1 != h2 {
		t.Fatalf("second save: %s %v, first %s", h2, err, h1)
	}
	objs, err := store.List(ctx, Prefix)
	if err != nil {
		t.Fatal(err)
	}
	// format, 2 recipes, 1 test file, 1 lookup, gate, manifest
	if len(objs) != 7 {
		t.Fatalf("%d objects: %+v", len(objs), objs)
	}
	m, err := Load(ctx, store, h1)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := Materialize(ctx, store, m, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if restored.Hashes.Recipes != p.Hashes.Recipes || restored.Hashes.Lookups != p.Hashes.Lookups ||
		restored.Hashes.Format != p.Hashes.Format || *restored.Gate.MaxRejectRate != *p.Gate.MaxRejectRate {
		t.Fatalf("restored hashes %+v gate %+v, want %+v", restored.Hashes, restored.Gate, p.Hashes)
	}
	if rt, _ := recipetest.Load(restored, ""); recipetest.Hash(rt) != recipetest.Hash(tests) {
		t.Fatal("tests not restored")
	}
	// An altered object is refused.
	path := filepath.Join(dir, ".handover", "archive", strings.TrimPrefix(m.Format.SHA256, "sha256:"))
	if err := os.WriteFile(path, []byte("entities: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(ctx, store, m.Format.SHA256); err == nil || !strings.Contains(err.Error(), "does not hash to its name") {
		t.Fatalf("tampered object: %v", err)
	}
}

func TestDiff(t *testing.T) {
	a := &Manifest{Format: Blob{Name: "format.yaml", SHA256: "1"}, Recipes: map[string]Blob{"c": {Name: "recipes/c.yaml", SHA256: "1"}}}
	b := &Manifest{Format: Blob{Name: "format.yaml", SHA256: "1"}, Recipes: map[string]Blob{"c": {Name: "recipes/c.yaml", SHA256: "2"}},
		Lookups: map[string]Blob{"k": {Name: "lookups/k.csv", SHA256: "3"}}}
	d := Diff(a, b)
	if len(d) != 2 || d[0] != (Change{What: "recipe", Name: "recipes/c.yaml", From: "1", To: "2"}) || d[1].What != "lookup" || d[1].From != "" {
		t.Fatalf("%+v", d)
	}
}
