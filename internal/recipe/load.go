package recipe

import (
	"fmt"
	"net/url"
	"os"
	"regexp"
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
	s.Line = n.Line
	str := func(dst *string, key string) func(*yaml.Node) {
		return func(v *yaml.Node) { *dst = d.String(v, "source."+key) }
	}
	count := func(dst *int, key string) func(*yaml.Node) {
		return func(v *yaml.Node) {
			if i, ok := d.Int(v, "source."+key); ok {
				if i < 0 {
					d.Problem(v, "source.%s cannot be negative", key)
				}
				*dst = i
			}
		}
	}
	header := true
	d.Map(n, "in source", conf.Keys{
		"file":      str(&s.File, "file"),
		"encoding":  str(&s.Encoding, "encoding"),
		"delimiter": str(&s.Delimiter, "delimiter"),
		"sheet":     str(&s.Sheet, "sheet"),
		"table":     str(&s.Table, "table"),
		"query":     func(v *yaml.Node) { s.Query = strings.TrimSpace(d.Text(v, "source.query")) },
		"database":  func(v *yaml.Node) { s.Database = strings.TrimSpace(d.Text(v, "source.database")) },
		"header": func(v *yaml.Node) {
			before := d.Errs.Len()
			if b := d.Bool(v, "source.header"); d.Errs.Len() == before && conf.ScalarAt(n, "header") != "" {
				header = b
			}
		},
		"header_row":  count(&s.HeaderRow, "header_row"),
		"skip_rows":   count(&s.SkipRows, "skip_rows"),
		"footer_rows": count(&s.FooterRows, "footer_rows"),
		"columns":     func(v *yaml.Node) { s.Columns = d.Strings(v, "source.columns") },
		"widths":      func(v *yaml.Node) { s.Widths = decodeWidths(d, v) },
	})
	s.NoHeader = !header
	checkSource(d, n, s)
}

func decodeWidths(d *conf.Doc, n *yaml.Node) []int {
	var out []int
	for _, item := range d.Seq(n, "source.widths") {
		if w, ok := d.Int(item, "source.widths"); ok {
			if w < 1 {
				d.Problem(item, "source.widths: %d is no width (each must be at least 1)", w)
			}
			out = append(out, w)
		}
	}
	if len(out) == 0 && d.Errs.Len() == 0 {
		d.Problem(n, "source.widths is empty: give the width of each column, e.g. widths: [10, 30, 8]")
	}
	return out
}

// checkSource reports the combinations of source keys that cannot work.
func checkSource(d *conf.Doc, n *yaml.Node, s *Source) {
	switch {
	case s.Database != "" && s.File != "":
		d.Problem(n, "source names both a file and a database: give one of them")
	case s.Database != "":
		checkDatabaseSource(d, n, s)
		return
	case s.File == "":
		d.Problem(n, "source.file missing: the path of the file inside the extraction (or source.database for a legacy database)")
	case s.Query != "":
		d.Problem(n, "source.query needs source.database: a query is run against a database, not a file")
	}
	if s.Delimiter != "" && utf8.RuneCountInString(s.Delimiter) != 1 {
		d.Problem(n, "source.delimiter must be one character, not %q", s.Delimiter)
	}
	if s.HeaderRow > 0 && s.SkipRows > 0 && s.SkipRows != s.HeaderRow-1 {
		d.Problem(n, "source.header_row %d and source.skip_rows %d contradict each other: give one of them", s.HeaderRow, s.SkipRows)
	}
	if s.HeaderRow > 0 && (s.NoHeader || len(s.Columns) > 0) {
		d.Problem(n, "source.header_row names the header line, but the file has none (header: false / columns): use skip_rows")
	}
	if len(s.Widths) > 0 && len(s.Columns) > 0 && len(s.Widths) != len(s.Columns) {
		d.Problem(n, "source has %d widths for %d columns: give one width per column", len(s.Widths), len(s.Columns))
	}
	seen := map[string]bool{}
	for _, c := range s.Columns {
		if strings.TrimSpace(c) == "" {
			d.Problem(n, "source.columns: a column name is empty")
		} else if seen[c] {
			d.Problem(n, "source.columns: %q is declared twice", c)
		}
		seen[c] = true
	}
}

// checkDatabaseSource checks a source that reads a legacy database.
func checkDatabaseSource(d *conf.Doc, n *yaml.Node, s *Source) {
	if literalSecret(s.Database) {
		d.Problem(n, "source.database holds a password: write it as ${VAR} (database: ${LEGACY_DB_URL}) so that it stays out of the recipe, its archive and git")
	}
	if (s.Query == "") == (s.Table == "") {
		d.Problem(n, "source.database needs either source.query (the SQL to read) or source.table, not both")
	}
	if s.Encoding != "" || s.Delimiter != "" || s.Sheet != "" || s.HeaderRow > 0 || s.SkipRows > 0 ||
		s.FooterRows > 0 || s.NoHeader || len(s.Columns) > 0 || len(s.Widths) > 0 {
		d.Problem(n, "source.database: encoding, delimiter, sheet, header, columns, widths and the row counts apply to files only")
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

var envRefRE = regexp.MustCompile(`\$\{[A-Za-z_][A-Za-z0-9_]*\}`)

// literalSecret reports whether a connection URL, with its ${VAR}
// references left out, still holds a password: in its user info or in a
// query parameter naming one.
func literalSecret(dsn string) bool {
	stripped := envRefRE.ReplaceAllString(dsn, "")
	u, err := url.Parse(stripped)
	if err != nil {
		return strings.Contains(stripped, "@") && !strings.HasPrefix(dsn, "${")
	}
	if u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			return true
		}
	}
	for k, vs := range u.Query() {
		if l := strings.ToLower(k); strings.Contains(l, "pass") || strings.Contains(l, "secret") {
			for _, v := range vs {
				if v != "" {
					return true
				}
			}
		}
	}
	return false
}
