package report

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs:\n got %q\nwant %q", name, got, want)
	}
}

var testColumns = []string{"ID", "Nachname", "Geburtsdatum", "Notiz"}

type testReject struct {
	line     int
	problems []format.Problem
	values   []string
	bad      []string
}

var testRejects = []testReject{
	{12, []format.Problem{
		{Field: "birth_date", Rule: "date", Message: `birth_date: "31.02.1980" is not a valid date (DD.MM.YYYY)`},
		{Field: "last_name", Rule: "required", Message: "last_name: is required"},
	}, []string{"K1", "", "31.02.1980", "Kunde, seit \"1999\""}, []string{"Geburtsdatum", "Nachname", "Geburtsdatum"}},
	{13, []format.Problem{{Field: "external_id", Rule: "required", Message: "external_id: is required"}},
		[]string{"", "=HYPERLINK(\"http://x\")", "-12.5", "Zeile 1\nZeile 2"}, []string{"ID"}},
	{15, []format.Problem{{Field: "", Rule: "columns", Message: "row has 6 values, the header 4"}},
		[]string{"K3", "Müller", "01.01.1970", "", "extra", "@SUM(A1)"}, nil},
	{16, []format.Problem{{Field: "phone", Rule: "phone", Message: "phone: is missing"}},
		[]string{"K4"}, []string{"Telefon"}},
}

func writeTestRejects(t *testing.T) (csvOut, cellsOut []byte) {
	t.Helper()
	var csvBuf, cellsBuf bytes.Buffer
	w, err := NewRejectsWriter(&csvBuf, testColumns, &cellsBuf)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range testRejects {
		if err := w.Write(r.line, r.problems, r.values, r.bad); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return csvBuf.Bytes(), cellsBuf.Bytes()
}

func TestRejectsGolden(t *testing.T) {
	csvOut, cellsOut := writeTestRejects(t)
	golden(t, "rejects.csv", csvOut)
	golden(t, "rejects.cells.jsonl", cellsOut)
	if !bytes.HasPrefix(csvOut, []byte(bom+"line,errors,ID,Nachname,Geburtsdatum,Notiz\r\n")) {
		t.Errorf("header: %q", csvOut[:60])
	}
}

func TestRejectsRoundTrip(t *testing.T) {
	csvOut, cellsOut := writeTestRejects(t)
	cols, rows, err := ReadRejects(bytes.NewReader(csvOut))
	if err != nil {
		t.Fatal(err)
	}
	if err := ReadRejectCells(bytes.NewReader(cellsOut), rows); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(cols, testColumns) {
		t.Errorf("columns = %q", cols)
	}
	if len(rows) != len(testRejects) {
		t.Fatalf("%d rows, want %d", len(rows), len(testRejects))
	}
	for i, want := range testRejects {
		got := rows[i]
		if got.Line != want.line || got.Errors != JoinProblems(want.problems) || !reflect.DeepEqual(got.Values, want.values) {
			t.Errorf("row %d = %+v, want line %d values %q", i, got, want.line, want.values)
		}
		if !reflect.DeepEqual(got.Columns, dedupeOrNil(want.bad)) {
			t.Errorf("row %d columns = %q, want %q", i, got.Columns, want.bad)
		}
		var rules []string
		for _, p := range want.problems {
			rules = append(rules, p.RuleKey())
		}
		if !reflect.DeepEqual(got.Rules, rules) {
			t.Errorf("row %d rules = %q, want %q", i, got.Rules, rules)
		}
	}
}

func dedupeOrNil(cols []string) []string {
	if len(cols) == 0 {
		return nil
	}
	return dedupe(cols)
}

func TestReadRejectsErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty file"},
		{"bom only", bom, "empty file"},
		{"wrong header", "id,errors,A\r\n", "header must start with line,errors"},
		{"bad line", "line,errors,A\r\nx,oops,1\r\n", `line 2: line "x" is not a number`},
		{"short record", "line,errors,A\r\n7\r\n", "line 2: want at least 2 fields"},
		{"bad quoting", "line,errors\r\n1,\"open\r\n", "read rejects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadRejects(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadRejectCellsError(t *testing.T) {
	err := ReadRejectCells(strings.NewReader("{\"line\":1,\"columns\":[\"A\"]}\n{oops\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Errorf("err = %v, want record 2 named", err)
	}
}

func TestRejectsWriterWithoutCells(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewRejectsWriter(&buf, []string{"A"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(3, []format.Problem{{Message: "a: bad"}}, []string{"x"}, []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), bom+"line,errors,A\r\n3,a: bad,x\r\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestRejectsWriterReportsWriteErrors(t *testing.T) {
	if _, err := NewRejectsWriter(failWriter{}, []string{"A"}, nil); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err = %v, want disk full", err)
	}
}

func TestNeutralize(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"=SUM(A1:A9)", "'=SUM(A1:A9)"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"-12.5", "'-12.5"}, // negative numbers too: documented
		{"@x", "'@x"},
		{"\tcmd", "'\tcmd"},
		{"\rcmd", "'\rcmd"},
		{"   =1+1", "'   =1+1"},
		{"'=x", "''=x"}, // extra quote so Restore gives back "'=x"
		{"plain text", "plain text"},
		{"12.5", "12.5"},
		{"a=b", "a=b"},
		{"", ""},
		{"   ", "   "},
		{"'quoted", "'quoted"},
		{"Müller-Lüdenscheidt", "Müller-Lüdenscheidt"},
	}
	for _, tt := range tests {
		got := Neutralize(tt.in)
		if got != tt.want {
			t.Errorf("Neutralize(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if back := Restore(got); back != tt.in {
			t.Errorf("Restore(%q) = %q, want %q", got, back, tt.in)
		}
	}
}

func FuzzNeutralizeRestore(f *testing.F) {
	for _, s := range []string{"=1", "'=1", "''+x", " -3", "abc", "'", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Neutralize(s)
		if Restore(n) != s {
			t.Errorf("Restore(Neutralize(%q)) = %q", s, Restore(n))
		}
		if needsQuote(s) && !strings.HasPrefix(n, "'") {
			t.Errorf("Neutralize(%q) = %q is not quoted", s, n)
		}
	})
}
