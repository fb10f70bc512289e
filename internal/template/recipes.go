package template

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

// XLSXSource is where an identity recipe reads an entity from the workbook
// template file (the name of the file as delivered).
func XLSXSource(file string, e *format.Entity) recipe.Source {
	return recipe.Source{File: file, Sheet: SheetName(e.Name)}
}

// CSVSource is where an identity recipe reads an entity from its CSV
// template.
func CSVSource(e *format.Entity, o Options) recipe.Source {
	return recipe.Source{File: CSVFile(e.Name), Encoding: "utf-8", Delimiter: string(o.delimiter())}
}

// Recipe returns the identity recipe of the entity as YAML: every field
// read from the template column of the same name (see Expr).
func Recipe(e *format.Entity, src recipe.Source, o Options) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Identity recipe for the %s template, written by `handover template`:\n", e.Name)
	b.WriteString("# a template filled in as it is passes check. If the file comes back\n")
	b.WriteString("# under another name, change source.file.\n")
	fmt.Fprintf(&b, "entity: %s\nsource:\n  file: %s\n", e.Name, scalar(src.File))
	if src.Sheet != "" {
		fmt.Fprintf(&b, "  sheet: %s\n", scalar(src.Sheet))
	}
	if src.Encoding != "" {
		fmt.Fprintf(&b, "  encoding: %s\n", scalar(src.Encoding))
	}
	if src.Delimiter != "" {
		fmt.Fprintf(&b, "  delimiter: %s\n", scalar(src.Delimiter))
	}
	b.WriteString("fields:\n")
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "  %s: %s\n", f.Name, scalar(Expr(f, o)))
	}
	return b.Bytes()
}

// WriteRecipes writes the identity recipes, <entity>.yaml, into dir
// (created when missing). An existing file is only replaced with
// overwrite; otherwise nothing is written and the error names it.
func WriteRecipes(dir string, entities []*format.Entity, source func(*format.Entity) recipe.Source, o Options, overwrite bool) ([]string, error) {
	var paths []string
	for _, e := range entities {
		path := filepath.Join(dir, e.Name+".yaml")
		if _, err := os.Stat(path); err == nil && !overwrite {
			return nil, fmt.Errorf("write recipes: %s exists (use --force to replace it)", path)
		}
		paths = append(paths, path)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write recipes: %w", err)
	}
	for i, e := range entities {
		if err := os.WriteFile(paths[i], Recipe(e, source(e), o), 0o644); err != nil {
			return paths[:i], fmt.Errorf("write recipes: %w", err)
		}
	}
	return paths, nil
}

// scalar writes s as a YAML scalar, quoted when it needs to be.
func scalar(s string) string {
	out, err := yaml.Marshal(s)
	if err != nil {
		return fmt.Sprintf("%q", s)
	}
	return strings.TrimSuffix(string(out), "\n")
}
