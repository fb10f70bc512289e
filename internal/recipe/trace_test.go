package recipe

import (
	"reflect"
	"testing"
)

func TestTraceRecordsEveryCall(t *testing.T) {
	row := evalRow(map[string]string{"Nachname": " meier ", "Geburtsdatum": "31.02.1980", "Kategorie": "B", "Firma_ID": "F1"})
	cases := []struct {
		src   string
		steps []Step
		value string
	}{
		{`upper(trim(Nachname))`, []Step{{Call: `trim(" meier ")`, Value: "meier"}, {Call: `upper("meier")`, Value: "MEIER"}}, "MEIER"},
		// through the VM: + is not evaluated directly
		{`upper(trim(Nachname)) + "-" + lookup("kategorien", Kategorie)`,
			[]Step{{Call: `trim(" meier ")`, Value: "meier"}, {Call: `upper("meier")`, Value: "MEIER"}, {Call: `lookup("kategorien", "B")`, Value: "REGULAR"}}, "MEIER-REGULAR"},
		{`substr(Firma_ID, 0, 1)`, []Step{{Call: `substr("F1", 0, 1)`, Value: "F"}}, "F"},
		{`date(Geburtsdatum, "DD.MM.YYYY")`, []Step{{Call: `date("31.02.1980", "DD.MM.YYYY")`,
			Problem: `out: "31.02.1980" is not a valid date (DD.MM.YYYY)`}}, ""},
	}
	for _, c := range cases {
		p, err := compileOne(t, c.src)
		if err != nil {
			t.Fatal(err)
		}
		ev := p.NewEvaluator()
		out := make([]string, 1)
		keep, problems, traces := ev.Trace(row, out)
		if !keep || len(traces) != 1 {
			t.Fatalf("%s: keep %v, traces %+v", c.src, keep, traces)
		}
		tr := traces[0]
		if tr.Expr != c.src || tr.Value != c.value || !reflect.DeepEqual(tr.Steps, c.steps) {
			t.Errorf("%s: got %+v, want steps %+v value %q", c.src, tr, c.steps, c.value)
		}
		if (c.value == "") != (len(problems) == 1) {
			t.Errorf("%s: problems %+v", c.src, problems)
		}
		// The evaluator is back on the normal path: no steps recorded.
		if ev.st.steps != nil {
			t.Fatalf("%s: still tracing", c.src)
		}
		if _, probs := ev.EvalText(row, out); out[0] != c.value || len(probs) != len(problems) {
			t.Errorf("%s: EvalText after Trace gives %q %+v", c.src, out[0], probs)
		}
	}
}

func TestReferencedColumns(t *testing.T) {
	r := &Recipe{Filter: `Status != "x"`, Fields: []FieldExpr{
		{Field: "a", Expr: `upper(trim(Nachname))`}, {Field: "b", Expr: `col("Firma Name")`},
		{Field: "c", Expr: `let x = trim(ID); x + Vorname`},
	}}
	want := []string{"Firma Name", "ID", "Nachname", "Status", "Vorname"}
	if got := ReferencedColumns(r); !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
}
