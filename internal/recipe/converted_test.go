package recipe

import (
	"fmt"
	"testing"

	"github.com/handover/handover/internal/format"
)

func TestConverted(t *testing.T) {
	e := &format.Entity{Name: "contacts", Key: "id", Fields: []*format.Field{
		{Name: "id", Type: format.String, Scale: -1},
		{Name: "phone", Type: format.Phone, Scale: -1},
		{Name: "mobile", Type: format.Phone, Scale: -1},
		{Name: "birth", Type: format.Date, Scale: -1},
		{Name: "note", Type: format.String, Scale: -1},
		{Name: "land", Type: format.Country, Scale: -1},
	}}
	r := &Recipe{Entity: "contacts", Fields: []FieldExpr{
		{Field: "id", Expr: "ID"},
		{Field: "phone", Expr: `phone(Tel, "CH")`},                 // converted
		{Field: "mobile", Expr: `coalesce(phone(Tel, "CH"), Tel)`}, // not: the root is coalesce
		{Field: "birth", Expr: `date(Geb, "DD.MM.YYYY")`},          // converted
		{Field: "note", Expr: `phone(Tel, "CH")`},                  // not: a string field
		{Field: "land", Expr: `Land`},                              // not: no conversion
	}}
	p, err := Compile(r, e, []string{"ID", "Tel", "Geb", "Land"}, Lookups{})
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(p.Converted(r)); got != "[false true false true false false]" {
		t.Errorf("Converted = %s", got)
	}
}
