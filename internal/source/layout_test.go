package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A customer export: a title and a date above the header, notes and a
// totals row below the data.
const titled = "Kontaktliste ACME AG\nStand 20.11.2026\n\nID;Name;Ort\n1;Anna;Bern\n2;Beat;Genf\n\nTotal;2;\nErstellt mit SAP\n"

func TestHeaderRowAndFooter(t *testing.T) {
	path := writeFile(t, "k.csv", []byte(titled))
	for _, opts := range []Options{
		{HeaderRow: 4, FooterRows: 2},
		{SkipRows: 3, FooterRows: 2},
		{HeaderRow: 4, SkipRows: 3, FooterRows: 2},
	} {
		r, rows := mustReadAll(t, path, opts)
		if !equal(r.Columns(), []string{"ID", "Name", "Ort"}) || r.Delimiter() != ";" {
			t.Errorf("%+v: columns %q, delimiter %q", opts, r.Columns(), r.Delimiter())
		}
		if !equal(values(rows), [][]string{{"1", "Anna", "Bern"}, {"2", "Beat", "Genf"}}) || !equal(lines(rows), []int{5, 6}) {
			t.Errorf("%+v: rows %q at %v", opts, values(rows), lines(rows))
		}
	}
	// Without footer_rows the totals are data.
	_, rows := mustReadAll(t, path, Options{HeaderRow: 4})
	if len(rows) != 4 || rows[3].Line != 9 {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
}

func TestLayoutErrors(t *testing.T) {
	csv := writeFile(t, "k.csv", []byte(titled))
	jsonl := writeFile(t, "k.jsonl", []byte(`{"a":1}`+"\n"))
	tests := []struct {
		path string
		opts Options
		want string
	}{
		{csv, Options{HeaderRow: 4, SkipRows: 1}, "header_row 4 and skip_rows 1 contradict each other"},
		{csv, Options{HeaderRow: 40}, "no rows after line 39"},
		{csv, Options{FooterRows: -1}, "cannot be negative"},
		{csv, Options{HeaderRow: 2, NoHeader: true}, "header_row names the header line, but the file has none"},
		{csv, Options{Columns: []string{"a", "a"}}, `columns: "a" is declared twice`},
		{csv, Options{Columns: []string{"a", " "}}, "a column name is empty"},
		{csv, Options{Widths: []int{2, 0}}, "0 is no width"},
		{csv, Options{Widths: []int{2, 3}, Columns: []string{"a"}}, "2 widths for 1 columns"},
		{jsonl, Options{HeaderRow: 2}, "do not apply"},
	}
	for _, tc := range tests {
		_, _, err := readAll(t, tc.path, tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.path) {
			t.Errorf("%+v: error %v, want %q and the path", tc.opts, err, tc.want)
		}
	}
}

func TestHeaderNames(t *testing.T) {
	path := writeFile(t, "k.csv", []byte("ID;;Name;Name;column_2;Name_2;\n1;2;3;4;5;6;7\n"))
	r, rows := mustReadAll(t, path, Options{})
	want := []string{"ID", "column_2_2", "Name", "Name_3", "column_2", "Name_2", "column_7"}
	if !equal(r.Columns(), want) {
		t.Errorf("columns %q, want %q", r.Columns(), want)
	}
	warn := Warnings(r)
	if len(warn) != 3 || warn[0] != path+":1: column 2 has no name: it is called column_2_2" ||
		warn[1] != path+`:1: column name "Name" appears again in column 4: it is called Name_3` {
		t.Errorf("warnings %q", warn)
	}
	if len(rows) != 1 || len(rows[0].Values) != 7 {
		t.Errorf("rows %q", values(rows))
	}
}

func TestNoHeader(t *testing.T) {
	// A DB2 DEL export: no header, character fields quoted.
	path := writeFile(t, "kunden.del", []byte("Export 2026\n1,\"Anna\",\"Bern\"\n2,\"Beat\",\n"))
	r, rows := mustReadAll(t, path, Options{Columns: []string{"id", "name", "ort"}, SkipRows: 1})
	if !equal(r.Columns(), []string{"id", "name", "ort"}) || r.Delimiter() != "," {
		t.Errorf("columns %q, delimiter %q", r.Columns(), r.Delimiter())
	}
	if !equal(values(rows), [][]string{{"1", "Anna", "Bern"}, {"2", "Beat", ""}}) || !equal(lines(rows), []int{2, 3}) {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
	r, rows = mustReadAll(t, path, Options{NoHeader: true, SkipRows: 1})
	if !equal(r.Columns(), []string{"column_1", "column_2", "column_3"}) || len(rows) != 2 {
		t.Errorf("columns %q, rows %q", r.Columns(), values(rows))
	}
}

func TestFixedWidth(t *testing.T) {
	content := "ID  NAME      PLZ \n" +
		"1   Müller    3000\n" +
		"22  Ødegaard      \n" +
		"\n" +
		"333 Zu lang   12345 extra\n" +
		"4   Kurz\n"
	path := writeFile(t, "k.txt", []byte(content))
	r, rows := mustReadAll(t, path, Options{Widths: []int{4, 10, 4}})
	if !equal(r.Columns(), []string{"ID", "NAME", "PLZ"}) {
		t.Errorf("columns %q", r.Columns())
	}
	want := [][]string{{"1", "Müller", "3000"}, {"22", "Ødegaard", ""}, {"333", "Zu lang", "1234", "5 extra"}, {"4", "Kurz", ""}}
	if !equal(values(rows), want) || !equal(lines(rows), []int{2, 3, 5, 6}) {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
	if rows[2].Problem != "line is 25 characters long, the widths add up to 18" || rows[0].Problem != "" {
		t.Errorf("problems %q, %q", rows[0].Problem, rows[2].Problem)
	}
	// Declared columns: the header line is skipped, not read.
	r, rows = mustReadAll(t, path, Options{Widths: []int{4, 10, 4}, Columns: []string{"id", "name", "plz"}, SkipRows: 1, FooterRows: 1})
	if !equal(r.Columns(), []string{"id", "name", "plz"}) || len(rows) != 3 || rows[0].Values[1] != "Müller" {
		t.Errorf("columns %q, rows %q", r.Columns(), values(rows))
	}
	// Fixed-width files in windows-1252 decode like any text file.
	path = writeFile(t, "w.txt", []byte("1 M\xfcller\n"))
	r, rows = mustReadAll(t, path, Options{Widths: []int{2, 6}, Columns: []string{"id", "name"}})
	if len(rows) != 1 || rows[0].Values[1] != "Müller" || r.Encoding() == "utf-8" {
		t.Errorf("rows %q, encoding %s", values(rows), r.Encoding())
	}
}

func TestXLSXLayout(t *testing.T) {
	b := newBook(t, "S")
	b.row("S", 1, "Kontakte")
	b.row("S", 3, "ID", "Name", "Name", nil, "Ort")
	b.row("S", 4, 1, "Anna")
	b.row("S", 5, 2, "Beat", "B.", nil, "Genf")
	b.row("S", 7, "Summe", 2)
	path := b.save()
	r, rows := mustReadAll(t, path, Options{HeaderRow: 3, FooterRows: 1})
	if !equal(r.Columns(), []string{"ID", "Name", "Name_2", "column_4", "Ort"}) || len(Warnings(r)) != 2 {
		t.Errorf("columns %q, warnings %q", r.Columns(), Warnings(r))
	}
	want := [][]string{{"1", "Anna", "", "", ""}, {"2", "Beat", "B.", "", "Genf"}}
	if !equal(values(rows), want) || !equal(lines(rows), []int{4, 5}) {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
}

func TestMultiFile(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kontakte_10.csv", "id;name\n5;Eva\n")
	write("kontakte_2.csv", "id;name\n3;Cem\n\n4;Dora\n")
	write("kontakte_1.csv", "id;name\n1;Anna\n2;Beat\n")
	write("other.csv", "x\n1\n")
	r, rows := mustReadAll(t, filepath.Join(dir, "kontakte_*.csv"), Options{})
	if !equal(r.Columns(), []string{FileColumn, "id", "name"}) {
		t.Errorf("columns %q", r.Columns())
	}
	f := func(n string) string { return filepath.Join(dir, n) }
	want := [][]string{
		{f("kontakte_1.csv"), "1", "Anna"}, {f("kontakte_1.csv"), "2", "Beat"},
		{f("kontakte_2.csv"), "3", "Cem"}, {f("kontakte_2.csv"), "4", "Dora"},
		{f("kontakte_10.csv"), "5", "Eva"},
	}
	if !equal(values(rows), want) || !equal(lines(rows), []int{2, 3, 2, 4, 2}) {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
	if done, total := r.Progress(); done != total || total == 0 {
		t.Errorf("progress %d of %d", done, total)
	}

	// Names given by the caller (paths inside an extraction) are what rows
	// and errors show.
	files := []File{{Path: f("kontakte_1.csv"), Name: "k/1.csv"}, {Path: f("other.csv"), Name: "k/other.csv"}}
	_, err := OpenFiles(context.Background(), files, Options{})
	if err == nil || err.Error() != `k/other.csv: its columns differ from k/1.csv's: column 1 is "x", not "id"` {
		t.Errorf("error %v", err)
	}
	if _, _, err := readAll(t, filepath.Join(dir, "nothing_*.csv"), Options{}); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Errorf("no match: %v", err)
	}
	write("kontakte_3.csv", "")
	_, _, err = readAll(t, filepath.Join(dir, "kontakte_*.csv"), Options{})
	if err == nil || !strings.Contains(err.Error(), "kontakte_3.csv: file is empty") {
		t.Errorf("empty member: %v", err)
	}
}

func TestNaturalOrder(t *testing.T) {
	files := []File{{Name: "b10"}, {Name: "a"}, {Name: "b2"}, {Name: "b02x"}, {Name: "b1"}}
	SortFiles(files)
	var got []string
	for _, f := range files {
		got = append(got, f.Name)
	}
	if !equal(got, []string{"a", "b1", "b2", "b02x", "b10"}) {
		t.Errorf("order %q", got)
	}
}

func TestPeekWarnsAndHints(t *testing.T) {
	path := writeFile(t, "k.csv", []byte(titled))
	res, err := Peek(context.Background(), path, Options{}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if res.Delimiter != ";" || len(res.Rows) != 6 {
		t.Errorf("delimiter %q, rows %d", res.Delimiter, len(res.Rows))
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "is the header on line 4? set header_row: 4") {
		t.Errorf("warnings %q", res.Warnings)
	}
	res, err = Peek(context.Background(), writeFile(t, "d.csv", []byte("a;;a\n1;2;3\n")), Options{}, 10)
	if err != nil || len(res.Warnings) != 2 || !equal(res.Columns, []string{"a", "column_2", "a_2"}) {
		t.Errorf("peek %+v, %v", res, err)
	}
}

func TestPeekShowsRowsBeforeAnError(t *testing.T) {
	path := writeFile(t, "k.csv", []byte("a;b\n1;2\n3;4\n\xe4;5\n"))
	res, err := Peek(context.Background(), path, Options{Encoding: "utf-8"}, 10)
	if err == nil || !strings.Contains(err.Error(), "k.csv:4: not valid UTF-8 text") {
		t.Errorf("error %v", err)
	}
	if res == nil || len(res.Rows) != 2 || !equal(res.Lines, []int{2, 3}) || res.Delimiter != ";" {
		t.Errorf("result %+v", res)
	}
}
