package source

import (
	"strings"
	"testing"
)

func TestJSONL(t *testing.T) {
	content := `{"id": 7, "name": "Müller", "vip": true, "note": null, "tags": ["a", "b"], "addr": {"city": "Bern", "zip": 3000}, "amount": 1.50e2}

{"name": "Meier", "id": 12345678901234567890}
   {"id": 3, "name": "X", "extra": 1, "more": "y"}
{"id": 4, "id": 5}
`
	r, rows := mustReadAll(t, writeFile(t, "k.jsonl", []byte(content)), Options{})
	wantCols := []string{"id", "name", "vip", "note", "tags", "addr", "amount"}
	if !equal(r.Columns(), wantCols) {
		t.Fatalf("columns %q, want %q", r.Columns(), wantCols)
	}
	want := []Row{
		{Line: 1, Values: []string{"7", "Müller", "true", "", `["a","b"]`, `{"city":"Bern","zip":3000}`, "1.50e2"}},
		{Line: 3, Values: []string{"12345678901234567890", "Meier", "", "", "", "", ""}},
		{Line: 4, Values: []string{"3", "X", "", "", "", "", ""}, Problem: `unexpected keys "extra", "more"`},
		{Line: 5, Values: []string{"4", "", "", "", "", "", ""}, Problem: `key "id" appears twice`},
	}
	if !equal(rows, want) {
		t.Errorf("rows\n%+v\nwant\n%+v", rows, want)
	}
	if r.Encoding() != "utf-8" || r.Delimiter() != "" {
		t.Errorf("encoding %q delimiter %q", r.Encoding(), r.Delimiter())
	}
}

func TestJSONLErrors(t *testing.T) {
	tests := []struct{ name, content, err string }{
		{"scalar first", "\n42\n", "k.jsonl:2: not a JSON object"},
		{"broken first object", "{\"a\": \n", "k.jsonl:1: invalid JSON"},
		{"text after object", "{\"a\": 1} {\"a\": 2}\n", "k.jsonl:1: unexpected text after the JSON object"},
		{"empty first object", "{}\n", "k.jsonl:1: the first object has no keys"},
		{"duplicate key in first", "{\"a\": 1, \"a\": 2}\n", `k.jsonl:1: key "a" appears twice`},
		{"blank only", "\n  \n", "k.jsonl: file is empty"},
		{"invalid utf-8", "{\"a\": \"\xe4\"}\n", "k.jsonl:1: not valid UTF-8 text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "k.jsonl", []byte(tc.content))
			_, _, err := readAll(t, path, Options{Encoding: "utf-8"})
			if err == nil || !strings.HasPrefix(strings.ReplaceAll(err.Error(), path, "k.jsonl"), tc.err) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
		})
	}
}

func TestKindDetection(t *testing.T) {
	b := newBook(t, "S")
	b.row("S", 1, "x")
	b.row("S", 2, "1")
	xlsx := b.save()
	zipBytes := mustRead(t, xlsx)
	tests := []struct {
		name    string
		content []byte
		columns []string
		delim   string
	}{
		{"export.CSV", []byte("a;b\n1;2\n"), []string{"a", "b"}, ";"},
		{"export.TSV", []byte("a\tb\n1\t2\n"), []string{"a", "b"}, "\t"},
		{"export.dat", []byte("a|b\n1|2\n"), []string{"a", "b"}, "|"},
		{"export", []byte("{\"a\": 1, \"b\": 2}\n"), []string{"a", "b"}, ""},
		{"export.NDJSON", []byte("{\"a\": 1}\n"), []string{"a"}, ""},
		{"export.bin", zipBytes, []string{"x"}, ""},
		{"export.XLSX", zipBytes, []string{"x"}, ""},
		{"export.json", []byte("{\"a\"\n"), []string{"{\"a\""}, ","}, // not an object on the first line: CSV
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := mustReadAll(t, writeFile(t, tc.name, tc.content), Options{})
			if !equal(r.Columns(), tc.columns) || r.Delimiter() != tc.delim {
				t.Errorf("columns %q delimiter %q, want %q %q", r.Columns(), r.Delimiter(), tc.columns, tc.delim)
			}
		})
	}
}
