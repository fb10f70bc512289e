package recipe

import (
	"slices"
	"strings"
	"testing"
)

func TestCompileErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string // each must appear in the error, in order of lines
	}{
		{"unknown column", `lower(trim(Email))`, []string{
			`recipes/contacts.yaml:7: field out: unknown column "Email" in kontakte.csv (did you mean "EMail"?); columns: ID, Nachname, Vorname, EMail,`}},
		{"unknown column, no suggestion", `Xyzzy`, []string{`unknown column "Xyzzy" in kontakte.csv; columns: ID,`}},
		{"col() unknown", `col("Firma Nme")`, []string{`unknown column "Firma Nme" in kontakte.csv (did you mean "Firma Name"?)`}},
		{"col() not literal", `col(Nachname)`, []string{`col needs the column name as a string literal in quotes`}},
		{"syntax", `lower(trim(EMail)`, []string{`recipes/contacts.yaml:7: field out: unexpected token EOF (character 17 of the expression)`}},
		{"syntax multi-line", "concat(\n  Nachname,,\n Vorname)", []string{`(line 2, character 12 of the expression)`}},
		{"unknown lookup table", `lookup("kategorie", Kategorie)`, []string{
			`field out: unknown lookup table "kategorie" (did you mean "kategorien"?); tables: kategorien`}},
		{"lookup table not literal", `lookup(Kategorie, Kategorie)`, []string{`lookup: argument 1 must be a text in quotes`}},
		{"bad layout", `date(Geburtsdatum, "dd.mm.yyyy")`, []string{`date layout "dd.mm.yyyy": unknown letter 'd'`}},
		{"layout not literal", `date(Geburtsdatum, Status)`, []string{`date: argument 2 must be a text in quotes`}},
		{"no layout", `date(Geburtsdatum)`, []string{`date takes 2 or more arguments, not 1`}},
		{"unknown locale", `number(Betrag, "de_CH")`, []string{`unknown number locale "de_CH" (known: de-AT, de-CH,`}},
		{"unknown region", `phone(Telefon, "Schweiz")`, []string{`unknown phone region "Schweiz"`}},
		{"bad regex", `regex_replace(Nachname, "(a", "")`, []string{`error parsing regexp`}},
		{"bad time zone", `datetime(Erfasst, "DD.MM.YYYY HH:mm", "Europe/Zürich")`, []string{`nor is it a time zone`}},
		{"local time zone", `datetime(Erfasst, "DD.MM.YYYY HH:mm", "Local")`, []string{`depends on the machine`}},
		{"negative substr", `substr(Nachname, -1, 2)`, []string{`positions and lengths must not be negative`}},
		{"decimal scale", `decimal(Betrag, Status)`, []string{`decimal: argument 2 must be a whole number`}},
		{"too many arguments", `trim(Nachname, Vorname)`, []string{`trim takes 1 argument, not 2`}},
		{"substr arity", `substr(Nachname)`, []string{`substr takes 2 or 3 arguments, not 1`}},
		{"unknown function", `trimm(Nachname)`, []string{`unknown function trimm (did you mean "trim"?); functions: bool, coalesce, col,`}},
		{"now is disabled", `now()`, []string{`unknown function now`}},
		{"list", `[Nachname, Vorname]`, []string{"gives []interface {}, not a single value"}},
		{"empty", ` `, []string{"recipes/contacts.yaml:7: field out: the expression is empty"}},
		{"$env", `$env`, []string{`$env is not available in recipes`}},
		{"all problems at once", `concat(Emial, lookup("x", Kategorie), date(Geburtsdatum, "DD.MM.YYY"))`, []string{
			`unknown column "Emial"`, `unknown lookup table "x"`, `date layout "DD.MM.YYY"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := compileOne(t, tt.src)
			if err == nil {
				t.Fatalf("Compile(%q) succeeded, want an error", tt.src)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != len(tt.want) {
				t.Errorf("got %d error lines, want %d:\n%v", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if i < len(lines) && !strings.Contains(lines[i], w) {
					t.Errorf("error line %d = %q\nwant it to contain %q", i+1, lines[i], w)
				}
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "recipes/contacts.yaml:7: field out: ") {
					t.Errorf("error line %q does not start with the file, line and field", l)
				}
			}
		})
	}
}

func TestCompileRecipeErrors(t *testing.T) {
	r := &Recipe{Path: "recipes/contacts.yaml", Source: Source{File: "kontakte.csv"},
		Filter: `trim(Status)`, FilterLine: 5,
		Fields: []FieldExpr{
			{Field: "last_nme", Expr: "Nachname", Line: 8},
			{Field: "last_name", Expr: "Nachnam", Line: 9},
			{Field: "email", Expr: "EMail", Line: 10},
		}}
	_, err := Compile(r, evalEntity("last_name", "email"), evalColumns, nil)
	if err == nil {
		t.Fatal("Compile succeeded")
	}
	want := []string{
		`recipes/contacts.yaml:5: filter: gives string, not true or false`,
		`recipes/contacts.yaml:8: field last_nme: entity contacts has no such field (did you mean "last_name"?)`,
		`recipes/contacts.yaml:9: field last_name: unknown column "Nachnam" in kontakte.csv (did you mean "Nachname"?)`,
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d lines, want %d:\n%v", len(lines), len(want), err)
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q\nwant prefix %q", i+1, lines[i], want[i])
		}
	}
}

func TestCompileAccepts(t *testing.T) {
	good := []string{
		`Nachname`,
		`col("Firma Name")`,
		`let n = trim(Nachname); upper(n) + ", " + Vorname`,
		`Status == "aktiv" ? "A" : "B"`,
		`len(Nachname) > 3 ? substr(Nachname, 0, 3) : Nachname`,
		`Nachname | trim() | upper()`,
		`lookup("kategorien", Kategorie, "REGULAR")`,
		`split(Nachname, " ", -1)`,
		`datetime(Erfasst, "DD.MM.YYYY HH:mm", "D.M.YYYY H:mm", "Europe/Zurich")`,
		`"fixed"`,
		`42`,
	}
	for _, src := range good {
		if _, err := compileOne(t, src); err != nil {
			t.Errorf("Compile(%q): %v", src, err)
		}
	}
}

func TestUsedColumns(t *testing.T) {
	r := &Recipe{Path: "r.yaml", Source: Source{File: "k.csv"}, Filter: `Status != "gelöscht"`,
		Fields: []FieldExpr{
			{Field: "email", Expr: `lower(EMail)`},
			{Field: "last_name", Expr: `concat(Nachname, col("Firma Name"), Nachname)`},
		}}
	p, err := Compile(r, evalEntity("last_name", "email", "phone"), evalColumns, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.UsedColumns(), []string{"Nachname", "EMail", "Status", "Firma Name"}; !slices.Equal(got, want) {
		t.Errorf("UsedColumns = %q, want %q", got, want)
	}
	fc := p.FieldColumns()
	if len(fc) != 3 || !slices.Equal(fc[0], []string{"Nachname", "Firma Name"}) || !slices.Equal(fc[1], []string{"EMail"}) || fc[2] != nil {
		t.Errorf("FieldColumns = %q", fc)
	}
	if got := p.FilterColumns(); !slices.Equal(got, []string{"Status"}) {
		t.Errorf("FilterColumns = %q", got)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"ID", "Nachname", "EMail", "Geburtsdatum"}
	tests := map[string]string{"Email": "EMail", "email": "EMail", "Nachnme": "Nachname", "Geburtsdatun": "Geburtsdatum",
		"Id": "ID", "XY": "", "Telefon": "", "Geburt": ""}
	for in, want := range tests {
		if got := closest(in, cands); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
}
