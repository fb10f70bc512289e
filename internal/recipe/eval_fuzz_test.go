package recipe

import (
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

// fuzzRecipe uses every function, on the direct path and through the VM.
func fuzzRecipe() (*Recipe, *format.Entity) {
	exprs := []string{
		`upper(trim(A))`, `lower(title(B))`, `replace(A, B, C)`, `regex_replace(A, "[0-9]+", "#")`,
		`split(A, ";", 1)`, `split(B, ",", -2)`, `concat(A, "-", B, C)`, `coalesce(A, B, "x")`, `default(C, D)`,
		`substr(A, 2, 3)`, `substr(B, 1)`, `date(A, "DD.MM.YYYY", "D.M.YY", "YYYY-MM-DD")`,
		`datetime(B, "DD.MM.YYYY HH:mm:ss", "Europe/Zurich")`, `number(C, "de-CH")`, `number(C, "fr-CH")`,
		`decimal(number(D, "en-US"), 2)`, `int(D)`, `bool(E)`, `email(F)`, `phone(E, "CH")`, `phone(F, "US")`,
		`country(D)`, `lookup("t", A)`, `lookup("t", B, "none")`, `col("F")`,
		`A == B ? upper(C) : lower(D) + E`, `len(A) > 3 ? substr(A, 0, 3) : "short"`,
		`let x = trim(A); x + "|" + date(x, "YYYY-MM-DD")`, `A matches "^[0-9]+$" ? int(A) : "n"`,
		`A contains B`, `split(A, "", 0)`, `lookup("t", phone(B, "DE"))`,
	}
	r := &Recipe{Path: "fuzz.yaml", Source: Source{File: "fuzz.csv"}, Filter: `A != "drop" && B != A + "!"`}
	var names []string
	for i, x := range exprs {
		name := "f" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		names = append(names, name)
		r.Fields = append(r.Fields, FieldExpr{Field: name, Expr: x, Line: i + 1})
	}
	return r, evalEntity(names...)
}

// FuzzEval evaluates a recipe using every function on fuzzed values: it
// must never panic, and its results must keep their shape.
func FuzzEval(f *testing.F) {
	f.Add("29.02.1980", "01.07.2024 14:00:00", "1'234.50", "1,234.5", "ja", "anna@example.ch")
	r, e := fuzzRecipe()
	p, err := Compile(r, e, []string{"A", "B", "C", "D", "E", "F"}, Lookups{"t": {"a": "A", "+41441234567": "P"}})
	if err != nil {
		f.Fatal(err)
	}
	ev := p.NewEvaluator()
	f.Fuzz(func(t *testing.T, a, b, c, d, e2, g string) {
		keep, out, problems := ev.Eval([]string{a, b, c, d, e2, g})
		if !keep {
			if out != nil || problems != nil {
				t.Fatalf("dropped row with out %v, problems %v", out, problems)
			}
			return
		}
		if len(out) != len(e.Fields) {
			t.Fatalf("len(out) = %d, want %d", len(out), len(e.Fields))
		}
		for i, v := range out {
			if _, ok := v.(string); v != nil && !ok {
				t.Fatalf("field %s = %#v, want a string or nil", e.Fields[i].Name, v)
			}
		}
		for _, pr := range problems {
			label := pr.Field
			if label == "" {
				label = "filter"
			}
			if pr.Rule == "" || !strings.HasPrefix(pr.Message, label+": ") {
				t.Fatalf("malformed problem %+v", pr)
			}
		}
	})
}
