package recipe

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

// contactsRecipe is the DESIGN.md example recipe.
func contactsRecipe() (*Recipe, *format.Entity) {
	r := &Recipe{Path: "recipes/contacts.yaml", Entity: "contacts", Source: Source{File: "kontakte.csv"},
		Filter: `Status != "gelöscht"`, FilterLine: 6,
		Fields: []FieldExpr{
			{Field: "external_id", Expr: "ID", Line: 8},
			{Field: "last_name", Expr: "upper(trim(Nachname))", Line: 9},
			{Field: "email", Expr: "lower(trim(EMail))", Line: 10},
			{Field: "phone", Expr: `phone(Telefon, "CH")`, Line: 11},
			{Field: "birth_date", Expr: `date(Geburtsdatum, "DD.MM.YYYY")`, Line: 12},
			{Field: "structure", Expr: "Firma_ID", Line: 13},
			{Field: "category", Expr: `lookup("kategorien", Kategorie)`, Line: 14},
		}}
	e := evalEntity("external_id", "last_name", "first_name", "email", "phone", "birth_date", "category", "structure")
	return r, e
}

func TestEvalContacts(t *testing.T) {
	r, e := contactsRecipe()
	p, err := Compile(r, e, evalColumns, evalLookups)
	if err != nil {
		t.Fatal(err)
	}
	ev := p.NewEvaluator()
	tests := []struct {
		name     string
		row      map[string]string
		keep     bool
		out      []any
		problems []format.Problem
	}{
		{"good row", map[string]string{"ID": "1", "Nachname": " Müller ", "EMail": "Anna@Example.CH ",
			"Telefon": "044 123 45 67", "Geburtsdatum": "29.02.1980", "Firma_ID": "F1", "Kategorie": "A", "Status": "aktiv"},
			true, []any{"1", "MÜLLER", nil, "anna@example.ch", "+41441234567", "1980-02-29", "VIP", "F1"}, nil},
		{"empty values", map[string]string{"ID": "2"},
			true, []any{"2", "", nil, "", "", "", "", ""}, nil},
		{"filtered", map[string]string{"ID": "3", "Status": "gelöscht"}, false, nil, nil},
		{"bad values", map[string]string{"ID": "4", "Telefon": "12345", "Geburtsdatum": "31.02.1980", "Kategorie": "Gold"},
			true, []any{"4", "", nil, "", nil, nil, nil, ""}, []format.Problem{
				{Field: "phone", Rule: "phone", Message: `phone: "12345" is not a valid phone number for CH`},
				{Field: "birth_date", Rule: "date", Message: `birth_date: "31.02.1980" is not a valid date (DD.MM.YYYY)`},
				{Field: "category", Rule: "lookup", Message: `category: "Gold" is not in lookup table "kategorien"`},
			}},
	}
	for _, tt := range tests {
		keep, out, problems := ev.Eval(evalRow(tt.row))
		if keep != tt.keep || !reflect.DeepEqual(out, tt.out) || !reflect.DeepEqual(problems, tt.problems) {
			t.Errorf("%s: Eval = %v, %#v, %v\nwant %v, %#v, %v", tt.name, keep, out, problems, tt.keep, tt.out, tt.problems)
		}
		// EvalText must agree with Eval: the same problems, nil as "".
		text := make([]string, len(e.Fields))
		tkeep, tproblems := ev.EvalText(evalRow(tt.row), text)
		if tkeep != keep || !reflect.DeepEqual(tproblems, problems) {
			t.Errorf("%s: EvalText = %v, %v; Eval gave %v, %v", tt.name, tkeep, tproblems, keep, problems)
		}
		for i := range out {
			if want, _ := out[i].(string); keep && text[i] != want {
				t.Errorf("%s: EvalText field %d = %q, Eval gave %#v", tt.name, i, text[i], out[i])
			}
		}
	}
	if p.filter.cond == nil {
		t.Error("the filter does not take the direct path")
	}
	for i, f := range p.fields {
		if f != nil && f.direct == nil {
			t.Errorf("field %s does not take the direct path", e.Fields[i].Name)
		}
	}
}

func TestEvalVM(t *testing.T) {
	tests := []struct {
		src      string
		row      map[string]string
		out      any
		rule     string
		contains string
	}{
		{`Status == "aktiv" ? upper(Nachname) : lower(Nachname)`, map[string]string{"Status": "aktiv", "Nachname": "Abc"}, "ABC", "", ""},
		{`Status == "aktiv" ? upper(Nachname) : lower(Nachname)`, map[string]string{"Nachname": "Abc"}, "abc", "", ""},
		{`Kategorie == "" ? nil : Kategorie`, nil, nil, "", ""},
		{`len(Nachname)`, map[string]string{"Nachname": "Müller"}, "6", "", ""},
		{`len(Nachname) > 3`, map[string]string{"Nachname": "Müller"}, "true", "", ""},
		{`1.5 * 2`, nil, "3", "", ""},
		{`let n = trim(Nachname); n + "/" + n`, map[string]string{"Nachname": " x "}, "x/x", "", ""},
		{`Nachname | trim() | upper()`, map[string]string{"Nachname": " x "}, "X", "", ""},
		{`fromJSON(Nachname)`, map[string]string{"Nachname": "[1, 2]"}, nil, "expression", `out: gives a list, not a value`},
		{`fromJSON(Nachname)`, map[string]string{"Nachname": "12.5"}, "12.5", "", ""},
		{`Nachname matches Vorname ? "y" : "n"`, map[string]string{"Vorname": "("}, nil, "expression", `out: error parsing regexp`},
		{`int(ID) + "x"`, map[string]string{"ID": "1.5"}, nil, "int", `out: "1.5" is not a whole number`},
		{`concat(date(Geburtsdatum, "DD.MM.YYYY"), "/", date(Erfasst, "DD.MM.YYYY"))`,
			map[string]string{"Geburtsdatum": "x", "Erfasst": "y"}, nil, "date", `out: "x" is not a valid date (DD.MM.YYYY)`},
	}
	for _, tt := range tests {
		p, err := compileOne(t, tt.src)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.src, err)
			continue
		}
		_, out, problems := p.NewEvaluator().Eval(evalRow(tt.row))
		if out[0] != tt.out {
			t.Errorf("Eval(%q) = %#v, want %#v", tt.src, out[0], tt.out)
		}
		if tt.rule == "" && len(problems) > 0 || tt.rule != "" && (len(problems) == 0 ||
			problems[0].Rule != tt.rule || !strings.HasPrefix(problems[0].Message, tt.contains)) {
			t.Errorf("Eval(%q) problems = %v, want rule %q %q", tt.src, problems, tt.rule, tt.contains)
		}
	}
}

func TestEvalFilter(t *testing.T) {
	tests := []struct {
		filter   string
		row      map[string]string
		keep     bool
		rule     string
		contains string
	}{
		{`Status != "gelöscht"`, map[string]string{"Status": "aktiv"}, true, "", ""},
		{`Status != "gelöscht"`, map[string]string{"Status": "gelöscht"}, false, "", ""},
		{`Status == "a" || !(Status == "b" && Kategorie != "")`, map[string]string{"Status": "b", "Kategorie": "A"}, false, "", ""},
		{`Status == "a" || !(Status == "b" && Kategorie != "")`, map[string]string{"Status": "b"}, true, "", ""},
		{`lookup("kategorien", Kategorie) == "VIP"`, map[string]string{"Kategorie": "X"}, true, "lookup", `filter: "X" is not in lookup table`},
		{`date(Geburtsdatum, "DD.MM.YYYY") >= "2000-01-01"`, map[string]string{"Geburtsdatum": "01.01.1999"}, false, "", ""},
		{`date(Geburtsdatum, "DD.MM.YYYY") >= "2000-01-01"`, map[string]string{"Geburtsdatum": "x"}, true, "date", `filter: "x" is not a valid date`},
		{`Status == "" ? nil : true`, nil, true, "filter", `filter: gives nothing, not true or false`},
		{`Nachname matches Vorname`, map[string]string{"Vorname": "("}, true, "expression", `filter: error parsing regexp`},
	}
	for _, tt := range tests {
		r := &Recipe{Path: "r.yaml", Filter: tt.filter, Fields: []FieldExpr{{Field: "out", Expr: "ID"}}}
		p, err := Compile(r, evalEntity("out"), evalColumns, evalLookups)
		if err != nil {
			t.Errorf("Compile(%q): %v", tt.filter, err)
			continue
		}
		keep, out, problems := p.NewEvaluator().Eval(evalRow(tt.row))
		if keep != tt.keep || !keep && (out != nil || problems != nil) {
			t.Errorf("filter %q: keep = %v, out %v, problems %v; want keep %v", tt.filter, keep, out, problems, tt.keep)
		}
		if tt.rule == "" && len(problems) > 0 || tt.rule != "" && (len(problems) != 1 ||
			problems[0].Rule != tt.rule || problems[0].Field != "" || !strings.HasPrefix(problems[0].Message, tt.contains)) {
			t.Errorf("filter %q: problems = %v, want rule %q %q", tt.filter, problems, tt.rule, tt.contains)
		}
	}
}

// TestEvalShortRow checks that a row with fewer values than columns reads
// the missing ones as empty instead of panicking.
func TestEvalShortRow(t *testing.T) {
	r, e := contactsRecipe()
	p, err := Compile(r, e, evalColumns, evalLookups)
	if err != nil {
		t.Fatal(err)
	}
	ev := p.NewEvaluator()
	for _, values := range [][]string{nil, {}, {"1"}, {"1", "x", "y"}} {
		keep, out, problems := ev.Eval(values)
		if !keep || len(out) != len(e.Fields) || len(problems) != 0 {
			t.Errorf("Eval(%q) = %v, %v, %v", values, keep, out, problems)
		}
	}
}

// TestEvaluatorsIndependent checks that two evaluators of one program do
// not share state.
func TestEvaluatorsIndependent(t *testing.T) {
	p, err := compileOne(t, `phone(Telefon, "CH")`)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan bool)
	for g := 0; g < 2; g++ {
		go func() {
			ev := p.NewEvaluator()
			ok := true
			for i := 0; i < 200; i++ {
				_, out, _ := ev.Eval(evalRow(map[string]string{"Telefon": "044 123 45 67"}))
				ok = ok && out[0] == "+41441234567"
				_, out, problems := ev.Eval(evalRow(map[string]string{"Telefon": "1"}))
				ok = ok && out[0] == nil && len(problems) == 1
			}
			done <- ok
		}()
	}
	for g := 0; g < 2; g++ {
		if !<-done {
			t.Error("an evaluator gave a wrong result while another ran")
		}
	}
}

func TestMemoSwitchesOffForValuesThatDoNotRepeat(t *testing.T) {
	r, e := contactsRecipe()
	p, err := Compile(r, e, evalColumns, evalLookups)
	if err != nil {
		t.Fatal(err)
	}
	ev := p.NewEvaluator()
	for i := range memoSize + 10 {
		row := evalRow(map[string]string{"ID": "1", "Telefon": fmt.Sprintf("044 %03d %02d %02d", i%1000, i%100, i/100%100), "Kategorie": "A"})
		if keep, out, ps := ev.Eval(row); !keep || len(ps) != 0 || out[4] == nil {
			t.Fatalf("row %d: %v %v %v", i, keep, out, ps)
		}
	}
	off := 0
	for _, s := range ev.st.memoStats {
		if s.off {
			off++
		}
	}
	if off != 1 {
		t.Errorf("%d caches switched off, want the phone cache only: %+v", off, ev.st.memoStats)
	}
	// Converted values stay right with the cache off.
	_, out, _ := ev.Eval(evalRow(map[string]string{"ID": "2", "Telefon": "044 123 45 67", "Kategorie": "A"}))
	if out[4] != "+41441234567" {
		t.Errorf("phone with the cache off = %v", out[4])
	}
}
