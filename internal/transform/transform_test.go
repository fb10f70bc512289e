package transform

import (
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

func single(t *testing.T) *Single {
	t.Helper()
	e := &format.Entity{Name: "contacts", Key: "id", Fields: []*format.Field{
		{Name: "id", Type: format.String, Required: true, Scale: -1},
		{Name: "born", Type: format.Date, Scale: -1},
	}}
	if err := e.Compile(); err != nil {
		t.Fatal(err)
	}
	r := &recipe.Recipe{Path: "recipes/contacts.yaml", Entity: "contacts", Filter: `Status != "x"`,
		Fields: []recipe.FieldExpr{{Field: "id", Expr: "trim(ID)"}, {Field: "born", Expr: `date(Geb, "DD.MM.YYYY")`}}}
	s, err := Compile(r, e, []string{"ID", "Geb", "Status"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRow(t *testing.T) {
	s := single(t)
	cases := []struct {
		values   []string
		filtered bool
		values2  []string
		rules    []string
	}{
		{[]string{" K1 ", "01.02.1980", "a"}, false, []string{"K1", "1980-02-01"}, nil},
		{[]string{"K2", "31.02.1980", "a"}, false, []string{"K2", ""}, []string{"born/date"}},
		{[]string{"", "", "a"}, false, []string{"", ""}, []string{"id/required"}},
		{[]string{"K3", "", "x"}, true, nil, nil},
		{[]string{"K4", ""}, false, nil, []string{"columns"}},
	}
	for _, c := range cases {
		r := s.Row(c.values)
		if r.Filtered != c.filtered || len(r.Values) != len(c.values2) || len(r.Problems) != len(c.rules) {
			t.Fatalf("%q: %+v", c.values, r)
		}
		for i, v := range c.values2 {
			if r.Values[i] != v {
				t.Errorf("%q: value %d %q, want %q", c.values, i, r.Values[i], v)
			}
		}
		for i, rule := range c.rules {
			if r.Problems[i].RuleKey() != rule {
				t.Errorf("%q: problem %+v, want %s", c.values, r.Problems[i], rule)
			}
		}
		// Explain agrees with Row.
		x, _ := s.Explain(c.values)
		if x.Filtered != r.Filtered || len(x.Problems) != len(r.Problems) {
			t.Errorf("%q: Explain %+v, Row %+v", c.values, x, r)
		}
	}
}
