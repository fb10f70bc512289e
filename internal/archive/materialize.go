package archive

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
)

// Materialize writes the archived inputs as a project into dir (which must
// exist and be empty) and loads it: the recipes, tests, format, lookups and
// gate exactly as the run used them. It has no environments.
func Materialize(ctx context.Context, store files.Store, m *Manifest, dir string) (*project.Project, error) {
	cfg := struct {
		Migration string `yaml:"migration"`
		Customer  string `yaml:"customer,omitempty"`
		Format    string `yaml:"format"`
		Recipes   string `yaml:"recipes"`
		Lookups   string `yaml:"lookups"`
	}{m.Migration, m.Customer, "format.yaml", "recipes", "lookups"}
	head, err := yaml.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("restore archived project: %w", err)
	}
	if m.Gate != nil {
		gate, err := Read(ctx, store, m.Gate.SHA256)
		if err != nil {
			return nil, err
		}
		head = append(head, gate...)
	}
	write := func(name string, data []byte) error {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		return os.WriteFile(path, data, 0o644)
	}
	if err := write(project.ConfigFile, head); err != nil {
		return nil, fmt.Errorf("restore archived project: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "lookups"), 0o755); err != nil {
		return nil, fmt.Errorf("restore archived project: %w", err)
	}
	blobs := map[string]Blob{"format.yaml": m.Format}
	for e, b := range m.Recipes {
		blobs["recipes/"+e+".yaml"] = b
	}
	for e, b := range m.Tests {
		blobs["recipes/"+e+".test.yaml"] = b
	}
	for t, b := range m.Lookups {
		blobs["lookups/"+t+".csv"] = b
	}
	for name, b := range blobs {
		data, err := Read(ctx, store, b.SHA256)
		if err != nil {
			return nil, err
		}
		if err := write(name, data); err != nil {
			return nil, fmt.Errorf("restore archived project: %w", err)
		}
	}
	p, err := project.Load(dir, func(string) string { return "" })
	if err != nil {
		return nil, fmt.Errorf("load archived project: %w", err)
	}
	return p, nil
}

// Change is one input that differs between two manifests.
type Change struct {
	What string `json:"what"` // "format", "recipe", "tests", "lookup", "gate"
	Name string `json:"name"` // the file
	From string `json:"from"` // sha256 in the first; "" when added
	To   string `json:"to"`   // sha256 in the second; "" when removed
}

// Diff lists what changed from a to b, in a stable order.
func Diff(a, b *Manifest) []Change {
	var out []Change
	one := func(what string, x, y *Blob) {
		switch {
		case x == nil && y == nil:
		case x == nil:
			out = append(out, Change{What: what, Name: y.Name, To: y.SHA256})
		case y == nil:
			out = append(out, Change{What: what, Name: x.Name, From: x.SHA256})
		case x.SHA256 != y.SHA256:
			out = append(out, Change{What: what, Name: y.Name, From: x.SHA256, To: y.SHA256})
		}
	}
	one("format", &a.Format, &b.Format)
	many := func(what string, x, y map[string]Blob) {
		keys := map[string]Blob{}
		for k, v := range x {
			keys[k] = v
		}
		for k, v := range y {
			keys[k] = v
		}
		for _, k := range sortedKeys(keys) {
			one(what, ptr(x, k), ptr(y, k))
		}
	}
	many("recipe", a.Recipes, b.Recipes)
	many("tests", a.Tests, b.Tests)
	many("lookup", a.Lookups, b.Lookups)
	one("gate", a.Gate, b.Gate)
	return out
}

func ptr(m map[string]Blob, k string) *Blob {
	if b, ok := m[k]; ok {
		return &b
	}
	return nil
}
