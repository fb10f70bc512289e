package recipe

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/handover/handover/internal/project/conf"
)

func TestParseRecipe(t *testing.T) {
	src := `# contacts
entity: contacts
source:
  file: kontakte.csv
  encoding: windows-1252
  delimiter: ";"
  sheet: Kontakte
filter: Status != "gelöscht"
fields:
  external_id: ID
  zip: 12
  active: true
  last_name: upper(trim(Nachname))
  note: |
    concat(Notiz, "!")
  amount: '1.5'
`
	r, err := ParseRecipe("recipes/contacts.yaml", []byte(src))
	if err != nil {
		t.Fatalf("ParseRecipe: %v", err)
	}
	if r.Entity != "contacts" || r.Line != 2 || r.Path != "recipes/contacts.yaml" {
		t.Errorf("entity %q line %d path %q", r.Entity, r.Line, r.Path)
	}
	wantSource := Source{File: "kontakte.csv", Encoding: "windows-1252", Delimiter: ";", Sheet: "Kontakte", Line: 4}
	if !reflect.DeepEqual(r.Source, wantSource) {
		t.Errorf("source %+v, want %+v", r.Source, wantSource)
	}
	if r.Filter != `Status != "gelöscht"` || r.FilterLine != 8 {
		t.Errorf("filter %q line %d", r.Filter, r.FilterLine)
	}
	want := []FieldExpr{
		{"external_id", "ID", 10},
		{"zip", "12", 11},
		{"active", "true", 12},
		{"last_name", "upper(trim(Nachname))", 13},
		{"note", `concat(Notiz, "!")`, 14},
		{"amount", "1.5", 16},
	}
	if !reflect.DeepEqual(r.Fields, want) {
		t.Errorf("fields\n got %+v\nwant %+v", r.Fields, want)
	}
}

func TestParseRecipeProblems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"unknown keys", `entity: contacts
source: {file: k.csv, delimter: ";"}
filtre: x
fields: {a: b}
`, []string{
			`r.yaml:2: unknown key "delimter" in source (did you mean "delimiter"?)`,
			`r.yaml:3: unknown key "filtre" (did you mean "filter"?)`,
		}},
		{"missing everything", "foo: bar\n", []string{
			`r.yaml:1: unknown key "foo"`,
			`r.yaml:1: entity missing: name the format entity this recipe fills, e.g. entity: contacts`,
			`r.yaml:1: source missing: say which file to read, e.g. source: {file: kontakte.csv}`,
			`r.yaml:1: fields missing: give one expression per target field`,
		}},
		{"source shape", `entity: c
source:
  delimiter: ";;"
fields:
  a: b
  c:
  d: [x]
  a: y
`, []string{
			`r.yaml:3: source.file missing: the path of the file inside the extraction (or source.database for a legacy database)`,
			`r.yaml:3: source.delimiter must be one character, not ";;"`,
			`r.yaml:6: fields.c: empty expression (leave the field out to keep it empty)`,
			`r.yaml:7: fields.d: expected a single value, got a list`,
			`r.yaml:8: fields: key "a" repeated (first at line 5)`,
		}},
		{"layout", `entity: c
source:
  file: k.csv
  header: nein
  header_row: 3
  skip_rows: 1
  footer_rows: -2
  widths: [4, x, 0]
  columns: [a, a]
  heder: false
fields: {a: b}
`, []string{
			`r.yaml:3: source.header_row 3 and source.skip_rows 1 contradict each other: give one of them`,
			`r.yaml:3: source.header_row names the header line, but the file has none (header: false / columns): use skip_rows`,
			`r.yaml:3: source.columns: "a" is declared twice`,
			`r.yaml:4: source.header: expected true or false, got "nein"`,
			`r.yaml:7: source.footer_rows cannot be negative`,
			`r.yaml:8: source.widths: expected a whole number, got "x"`,
			`r.yaml:8: source.widths: 0 is no width (each must be at least 1)`,
			`r.yaml:10: unknown key "heder" in source (did you mean "header"?)`,
		}},
		{"database", `entity: c
source: {database: "${LEGACY}", file: k.csv}
fields: {a: b}
---
`, []string{
			`r.yaml:2: source names both a file and a database: give one of them`,
		}},
		{"database needs a query", `entity: c
source: {database: "${LEGACY}", query: select 1, table: t, delimiter: ";"}
fields: {a: b}
`, []string{
			`r.yaml:2: source.database needs either source.query (the SQL to read) or source.table, not both`,
			`r.yaml:2: source.database: encoding, delimiter, sheet, header, columns, widths and the row counts apply to files only`,
		}},
		{"literal password", `entity: c
source: {database: "postgres://reader:hunter2@legacy/crm", table: t}
fields: {a: b}
`, []string{`r.yaml:2: source.database holds a password: write it as ${VAR} (database: ${LEGACY_DB_URL}) so that it stays out of the recipe, its archive and git`}},
		{"query without database", `entity: c
source: {file: k.csv, query: select 1}
fields: {a: b}
`, []string{`r.yaml:2: source.query needs source.database: a query is run against a database, not a file`}},
		{"not a mapping", "- a\n- b\n", []string{`r.yaml:1: expected a mapping, got a list`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecipe("r.yaml", []byte(tt.src))
			var list *conf.Errors
			if !errors.As(err, &list) {
				t.Fatalf("error %v (%T), want *conf.Errors", err, err)
			}
			var got []string
			for _, p := range list.Problems {
				got = append(got, p.String())
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("problems\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestParseRecipeLayout(t *testing.T) {
	src := `entity: c
source:
  file: kunden_*.del
  header: false
  columns: [id, name, plz]
  widths: [4, 30, 8]
  skip_rows: 2
  footer_rows: 1
fields: {a: id}
`
	r, err := ParseRecipe("r.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := Source{File: "kunden_*.del", NoHeader: true, Columns: []string{"id", "name", "plz"}, Widths: []int{4, 30, 8},
		SkipRows: 2, FooterRows: 1, Line: 3}
	if !reflect.DeepEqual(r.Source, want) {
		t.Errorf("source %+v, want %+v", r.Source, want)
	}
	r, err = ParseRecipe("r.yaml", []byte("entity: c\nsource: {database: '${LEGACY_DB_URL}', table: kunden}\nfields: {a: id}\n"))
	if err != nil || r.Source.Database != "${LEGACY_DB_URL}" || !r.Source.IsDatabase() || r.SourcePath() != "databases/c.csv" {
		t.Errorf("database source %+v, %v", r.Source, err)
	}
	for _, dsn := range []string{"postgres://reader:${LEGACY_PW}@legacy/crm", "mysql://reader@legacy/crm", "sqlite://alt.db", "postgres://h/db?password=${PW}"} {
		if _, err := ParseRecipe("r.yaml", []byte("entity: c\nsource: {database: '"+dsn+"', table: t}\nfields: {a: id}\n")); err != nil {
			t.Errorf("%s: %v", dsn, err)
		}
	}
	r, err = ParseRecipe("r.yaml", []byte("entity: c\nsource: {file: k.csv, header: true}\nfields: {a: id}\n"))
	if err != nil || r.Source.NoHeader || r.SourcePath() != "k.csv" {
		t.Errorf("header: true: %+v, %v", r.Source, err)
	}
}

func TestLoadRecipe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.yaml")
	if err := os.WriteFile(path, []byte("entity: s\nsource: {file: f.csv}\nfields: {k: ID}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := LoadRecipe(path)
	if err != nil || r.Path != path || len(r.Fields) != 1 {
		t.Fatalf("LoadRecipe = %+v, %v", r, err)
	}
	if _, err := LoadRecipe(path + ".missing"); err == nil {
		t.Error("LoadRecipe of a missing file: no error")
	}
}
