package recipe

import (
	"fmt"
	"os"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/project/conf"
)

// LoadRecipe reads and parses the recipe file at path. It checks the
// file's own shape; whether the entity and its fields exist in the format
// is checked by the project loader. Problems are returned together as a
// *conf.Errors.
func LoadRecipe(path string) (*Recipe, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read recipe: %w", err)
	}
	return ParseRecipe(path, data)
}

// ParseRecipe parses recipe YAML; name is the file as shown in messages and
// becomes Path. Every field value is taken as expression text exactly as
// written (a YAML number such as 12 stays "12"). When there are problems
// it returns them as a *conf.Errors together with the recipe as far as it
// could be understood (nil when the YAML itself is broken).
func ParseRecipe(name string, data []byte) (*Recipe, error) {
	errs := &conf.Errors{}
	d := &conf.Doc{File: name, Errs: errs}
	root := d.Parse(data)
	if root == nil {
		return nil, errs
	}
	r := &Recipe{Path: name}
	var source, fields, entity *yaml.Node
	if !d.Map(root, "", conf.Keys{
		"entity": func(v *yaml.Node) { entity = v; r.Entity = d.String(v, "entity") },
		"source": func(v *yaml.Node) { source = v },
		"filter": func(v *yaml.Node) { r.Filter, r.FilterLine = strings.TrimSpace(d.Text(v, "filter")), v.Line },
		"fields": func(v *yaml.Node) { fields = v },
		"fixups": func(v *yaml.Node) { r.Fixups = fixup.ParseSpecs(d, v, false) },
	}) {
		return nil, errs
	}
	if entity == nil || r.Entity == "" {
		d.Problem(root, "entity missing: name the format entity this recipe fills, e.g. entity: contacts")
	} else {
		r.Line = entity.Line
	}
	decodeSource(d, root, source, &r.Source)
	r.Fields = decodeFields(d, root, fields)
	for i := range r.Fixups {
		r.Fixups[i].On = r.Entity
	}
	errs.Sort()
	return r, errs.Err()
}

func decodeSource(d *conf.Doc, root, n *yaml.Node, s *Source) {
	if n == nil {
		d.Problem(root, "source missing: say which file to read, e.g. source: {file: kontakte.csv}")
		return
	}
	d.Map(n, "in source", conf.Keys{
		"file":      func(v *yaml.Node) { s.File = d.String(v, "source.file") },
		"encoding":  func(v *yaml.Node) { s.Encoding = d.String(v, "source.encoding") },
		"delimiter": func(v *yaml.Node) { s.Delimiter = d.String(v, "source.delimiter") },
		"sheet":     func(v *yaml.Node) { s.Sheet = d.String(v, "source.sheet") },
	})
	if s.File == "" {
		d.Problem(n, "source.file missing: the path of the file inside the extraction")
	}
	if s.Delimiter != "" && utf8.RuneCountInString(s.Delimiter) != 1 {
		d.Problem(n, "source.delimiter must be one character, not %q", s.Delimiter)
	}
}

func decodeFields(d *conf.Doc, root, n *yaml.Node) []FieldExpr {
	if n == nil {
		d.Problem(root, "fields missing: give one expression per target field")
		return nil
	}
	var out []FieldExpr
	for _, e := range d.Entries(n, "in fields") {
		before := d.Errs.Len()
		expr := strings.TrimSpace(d.Text(e.Value, "fields."+e.Key))
		switch {
		case d.Errs.Len() > before:
		case expr == "":
			d.Errs.Add(d.File, e.Line, "fields.%s: empty expression (leave the field out to keep it empty)", e.Key)
		default:
			out = append(out, FieldExpr{Field: e.Key, Expr: expr, Line: e.Line})
		}
	}
	if len(out) == 0 && d.Errs.Len() == 0 {
		d.Problem(n, "fields is empty: give one expression per target field")
	}
	return out
}
