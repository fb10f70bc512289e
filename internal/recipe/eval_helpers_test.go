package recipe

import (
	"testing"

	"github.com/handover/handover/internal/format"
)

// evalColumns are the source columns of the tests' kontakte.csv.
var evalColumns = []string{"ID", "Nachname", "Vorname", "EMail", "Telefon", "Geburtsdatum", "Kategorie",
	"Status", "Firma_ID", "Betrag", "Land", "Aktiv", "Erfasst", "Firma Name"}

var evalLookups = Lookups{"kategorien": {"A": "VIP", "B": "REGULAR", "P": "PRESS"}}

// evalEntity makes an entity with one string field per name.
func evalEntity(names ...string) *format.Entity {
	e := &format.Entity{Name: "contacts", Key: names[0]}
	for _, n := range names {
		e.Fields = append(e.Fields, &format.Field{Name: n, Type: format.String, Scale: -1})
	}
	return e
}

// compileOne compiles a recipe with a single field "out" = src.
func compileOne(t testing.TB, src string) (*Program, error) {
	t.Helper()
	r := &Recipe{Path: "recipes/contacts.yaml", Entity: "contacts", Source: Source{File: "kontakte.csv"},
		Fields: []FieldExpr{{Field: "out", Expr: src, Line: 7}}}
	return Compile(r, evalEntity("out"), evalColumns, evalLookups)
}

// row builds a row of evalColumns from column → value pairs.
func evalRow(kv map[string]string) []string {
	out := make([]string, len(evalColumns))
	for i, c := range evalColumns {
		out[i] = kv[c]
	}
	return out
}
