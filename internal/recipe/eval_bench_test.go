package recipe

import (
	"fmt"
	"testing"

	"github.com/handover/handover/internal/format"
)

// benchColumns is a 20-column customer export.
var benchColumns = []string{"ID", "Anrede", "Vorname", "Nachname", "Strasse", "PLZ", "Ort", "Land", "Telefon",
	"Mobile", "EMail", "Geburtsdatum", "Kategorie", "Status", "Firma_ID", "Umsatz", "Eintritt", "Sprache", "Notiz", "Aktiv"}

// benchRecipe has 15 expressions typical of the DESIGN.md contacts recipe.
func benchRecipe() (*Recipe, *format.Entity) {
	fields := []FieldExpr{
		{Field: "external_id", Expr: "ID"},
		{Field: "salutation", Expr: `lookup("anrede", Anrede, "")`},
		{Field: "first_name", Expr: "trim(Vorname)"},
		{Field: "last_name", Expr: "upper(trim(Nachname))"},
		{Field: "street", Expr: "trim(Strasse)"},
		{Field: "zip", Expr: "trim(PLZ)"},
		{Field: "city", Expr: "title(trim(Ort))"},
		{Field: "country", Expr: "country(Land)"},
		{Field: "phone", Expr: `phone(Telefon, "CH")`},
		{Field: "email", Expr: "lower(trim(EMail))"},
		{Field: "birth_date", Expr: `date(Geburtsdatum, "DD.MM.YYYY", "D.M.YYYY")`},
		{Field: "category", Expr: `lookup("kategorien", Kategorie)`},
		{Field: "structure", Expr: "Firma_ID"},
		{Field: "revenue", Expr: `number(Umsatz, "de-CH")`},
		{Field: "language", Expr: `lower(default(Sprache, "de"))`},
	}
	names := make([]string, len(fields))
	for i, f := range fields {
		names[i] = f.Field
	}
	r := &Recipe{Path: "recipes/contacts.yaml", Source: Source{File: "kontakte.csv"}, Filter: `Status != "gelöscht"`, Fields: fields}
	return r, evalEntity(names...)
}

func benchRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprint(i), "Herr", " Hans ", " Müller ", "Bahnhofstrasse 1", "8001", "ZÜRICH", "Schweiz",
			fmt.Sprintf("044 %03d %02d %02d", 200+i%700, (i/700)%100, i%100), "", " Hans.Mueller@Example.CH ",
			fmt.Sprintf("%02d.%02d.19%02d", 1+i%28, 1+i%12, i%100), "A", "aktiv", "F1", "1'234.50", "01.01.2020", "", "", "ja"}
	}
	return rows
}

// BenchmarkEval evaluates the 15-expression recipe on 20-column rows. The
// "cached" rows repeat (phone numbers hit the evaluator's cache); the
// "distinct" rows each carry a new phone number.
func BenchmarkEval(b *testing.B) {
	r, e := benchRecipe()
	lookups := Lookups{"kategorien": {"A": "VIP", "B": "REGULAR"}, "anrede": {"Herr": "MR", "Frau": "MRS"}}
	p, err := Compile(r, e, benchColumns, lookups)
	if err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rows [][]string
	}{{"cached", benchRows(1000)}, {"distinct", benchRows(70000)}} {
		b.Run(tc.name, func(b *testing.B) {
			ev := p.NewEvaluator()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				keep, _, problems := ev.Eval(tc.rows[i%len(tc.rows)])
				if !keep || len(problems) > 0 {
					b.Fatalf("row %d: %v %v", i, keep, problems)
				}
			}
		})
	}
}
