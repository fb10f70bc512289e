package source

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func TestCSVDelimiterDetection(t *testing.T) {
	tests := []struct {
		name    string
		content string
		delim   string
		columns []string
		rows    [][]string
	}{
		{"comma", "a,b,c\n1,2,3\n", ",", []string{"a", "b", "c"}, [][]string{{"1", "2", "3"}}},
		{"semicolon", "a;b;c\n1;2;3\n", ";", []string{"a", "b", "c"}, [][]string{{"1", "2", "3"}}},
		{"tab", "a\tb\tc\n1\t2\t3\n", "\t", []string{"a", "b", "c"}, [][]string{{"1", "2", "3"}}},
		{"pipe", "a|b|c\n1|2|3\n", "|", []string{"a", "b", "c"}, [][]string{{"1", "2", "3"}}},
		{"semicolon with commas in values", "Name;Ort\nMüller, Hans;Bern\nMeier;Basel, Stadt\n", ";",
			[]string{"Name", "Ort"}, [][]string{{"Müller, Hans", "Bern"}, {"Meier", "Basel, Stadt"}}},
		{"comma with semicolons inside quotes", "a,b\n\"x;y;z\",2\n\"p;q\",3\n", ",",
			[]string{"a", "b"}, [][]string{{"x;y;z", "2"}, {"p;q", "3"}}},
		{"comma beats semicolon on consistency", "a,b,c\n1;x,2,3\n4,5,6\n", ",",
			[]string{"a", "b", "c"}, [][]string{{"1;x", "2", "3"}, {"4", "5", "6"}}},
		{"single column", "Name\nMüller\n", ",", []string{"Name"}, [][]string{{"Müller"}}},
		{"header only", "a;b\n", ";", []string{"a", "b"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, rows := mustReadAll(t, writeFile(t, "k.csv", []byte(tc.content)), Options{})
			if r.Delimiter() != tc.delim {
				t.Errorf("delimiter %q, want %q", r.Delimiter(), tc.delim)
			}
			if !equal(r.Columns(), tc.columns) {
				t.Errorf("columns %q, want %q", r.Columns(), tc.columns)
			}
			if got := values(rows); len(rows) > 0 || tc.rows != nil {
				if !equal(got, tc.rows) {
					t.Errorf("rows %q, want %q", got, tc.rows)
				}
			}
		})
	}
}

func TestCSVDelimiterOption(t *testing.T) {
	content := "a;b\tc\n1;2\t3\n"
	tests := []struct {
		delim   string
		columns []string
		err     string
	}{
		{";", []string{"a", "b\tc"}, ""},
		{"\t", []string{"a;b", "c"}, ""},
		{"tab", []string{"a;b", "c"}, ""},
		{`\t`, []string{"a;b", "c"}, ""},
		{";;", nil, `k.csv: delimiter ";;" must be one ASCII character`},
		{"§", nil, "must be one ASCII character"},
		{`"`, nil, "cannot be a quote"},
	}
	for _, tc := range tests {
		t.Run(tc.delim, func(t *testing.T) {
			path := writeFile(t, "k.csv", []byte(content))
			r, _, err := readAll(t, path, Options{Delimiter: tc.delim})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !equal(r.Columns(), tc.columns) {
				t.Errorf("columns %q, want %q", r.Columns(), tc.columns)
			}
		})
	}
}

// utf16Bytes encodes s as UTF-16, with a byte-order mark if bom.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var b []byte
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			b = append(b, byte(u>>8), byte(u))
		} else {
			b = append(b, byte(u), byte(u>>8))
		}
	}
	return b
}

func TestCSVEncodingDetection(t *testing.T) {
	text := "Name;Ort\nMüller;Zürich\n"
	want := [][]string{{"Müller", "Zürich"}}
	late := strings.Repeat("Meier;Bern\n", 8000) // > 64 KiB of ASCII first
	tests := []struct {
		name    string
		content []byte
		enc     string
		rows    [][]string
	}{
		{"ascii", []byte("a;b\n1;2\n"), "utf-8", [][]string{{"1", "2"}}},
		{"utf-8", []byte(text), "utf-8", want},
		{"utf-8 bom", append([]byte("\xEF\xBB\xBF"), text...), "utf-8", want},
		{"utf-16le bom", utf16Bytes(text, false, true), "utf-16le", want},
		{"utf-16be bom", utf16Bytes(text, true, true), "utf-16be", want},
		{"utf-16le without bom", utf16Bytes(text, false, false), "utf-16le", want},
		{"windows-1252", []byte("Name;Ort\nM\xfcller \x80;Z\xfcrich\n"), "windows-1252", [][]string{{"Müller €", "Zürich"}}},
		{"windows-1252 without 0x80-0x9F", []byte("Name;Ort\nM\xfcller;Z\xfcrich\n"), "windows-1252", want},
		{"windows-1252 after 64 KiB of ascii", []byte("Name;Ort\n" + late + "M\xfcller \x84x\x93;Z\xfcrich\n"), "windows-1252", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, rows := mustReadAll(t, writeFile(t, "k.csv", tc.content), Options{})
			if r.Encoding() != tc.enc {
				t.Errorf("encoding %s, want %s", r.Encoding(), tc.enc)
			}
			if !equal(r.Columns(), []string{"Name", "Ort"}) && tc.name != "ascii" {
				t.Errorf("columns %q", r.Columns())
			}
			if tc.rows == nil {
				last := rows[len(rows)-1].Values
				if !equal(last, []string{"Müller „x“", "Zürich"}) {
					t.Errorf("last row %q", last)
				}
				return
			}
			if !equal(values(rows), tc.rows) {
				t.Errorf("rows %q, want %q", values(rows), tc.rows)
			}
		})
	}
}

func TestCSVEncodingOption(t *testing.T) {
	tests := []struct {
		enc, want, name string
		content         []byte
	}{
		{"latin1", "a\u0080ä", "iso-8859-1", []byte("x\na\x80\xe4\n")},
		{"iso-8859-1", "a\u0080ä", "iso-8859-1", []byte("x\na\x80\xe4\n")},
		{"cp1252", "a€ä", "windows-1252", []byte("x\na\x80\xe4\n")},
		{"windows-1252", "a€ä", "windows-1252", []byte("x\na\x80\xe4\n")},
		{"UTF8", "aä", "utf-8", []byte("\xEF\xBB\xBFx\naä\n")},
		{"utf-16le", "aä", "utf-16le", utf16Bytes("x\naä\n", false, false)},
		{"utf-16be", "aä", "utf-16be", utf16Bytes("x\naä\n", true, true)},
	}
	for _, tc := range tests {
		t.Run(tc.enc, func(t *testing.T) {
			r, rows := mustReadAll(t, writeFile(t, "k.csv", tc.content), Options{Encoding: tc.enc})
			if r.Encoding() != tc.name {
				t.Errorf("encoding %s, want %s", r.Encoding(), tc.name)
			}
			if !equal(r.Columns(), []string{"x"}) || len(rows) != 1 || rows[0].Values[0] != tc.want {
				t.Errorf("columns %q rows %q, want %q", r.Columns(), values(rows), tc.want)
			}
		})
	}
	_, _, err := readAll(t, writeFile(t, "k.csv", []byte("x\n")), Options{Encoding: "ebcdic"})
	if err == nil || !strings.Contains(err.Error(), `k.csv: unknown encoding "ebcdic" (valid: utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1)`) {
		t.Errorf("unknown encoding: %v", err)
	}
}

func TestCSVQuoting(t *testing.T) {
	tests := []struct {
		name    string
		content string
		rows    [][]string
		lines   []int
	}{
		{"embedded delimiter", "a;b\n\"x;y\";z\n", [][]string{{"x;y", "z"}}, []int{2}},
		{"doubled quotes", "a;b\n\"say \"\"hi\"\"\";\"\"\n", [][]string{{`say "hi"`, ""}}, []int{2}},
		{"crlf inside quotes kept", "a;b\r\n\"l1\r\nl2\";x\r\n3;4\r\n", [][]string{{"l1\r\nl2", "x"}, {"3", "4"}}, []int{2, 4}},
		{"lf inside quotes kept", "a;b\n\"l1\nl2\n\nl4\";x\n3;4\n", [][]string{{"l1\nl2\n\nl4", "x"}, {"3", "4"}}, []int{2, 6}},
		{"bare quote in unquoted field", "a;b\n5\" disk;x\"y\"z\n", [][]string{{`5" disk`, `x"y"z`}}, []int{2}},
		{"fields never trimmed", "a;b\n  x ; \" y \" \n", [][]string{{"  x ", ` " y " `}}, []int{2}},
		{"lone cr is data", "a;b\nx\ry;z\n", [][]string{{"x\ry", "z"}}, []int{2}},
		{"last line without newline", "a;b\n1;2", [][]string{{"1", "2"}}, []int{2}},
		{"quoted field at end of file", "a;b\n1;\"2\"", [][]string{{"1", "2"}}, []int{2}},
		{"empty fields", "a;b;c\n;;\n", [][]string{{"", "", ""}}, []int{2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, rows := mustReadAll(t, writeFile(t, "k.csv", []byte(tc.content)), Options{Delimiter: ";"})
			if !equal(values(rows), tc.rows) {
				t.Errorf("rows %q, want %q", values(rows), tc.rows)
			}
			if !equal(lines(rows), tc.lines) {
				t.Errorf("lines %v, want %v", lines(rows), tc.lines)
			}
		})
	}
}

func TestCSVBlankLinesAndRagged(t *testing.T) {
	content := "\n\r\na;b;c\r\n\r\n1;2;3\n\n\n4;5\n \n6;7;8;9\n\n"
	r, rows := mustReadAll(t, writeFile(t, "k.csv", []byte(content)), Options{})
	if !equal(r.Columns(), []string{"a", "b", "c"}) {
		t.Fatalf("columns %q", r.Columns())
	}
	wantRows := [][]string{{"1", "2", "3"}, {"4", "5"}, {" "}, {"6", "7", "8", "9"}}
	if !equal(values(rows), wantRows) {
		t.Errorf("rows %q, want %q", values(rows), wantRows)
	}
	if want := []int{5, 8, 9, 10}; !equal(lines(rows), want) {
		t.Errorf("lines %v, want %v", lines(rows), want)
	}
}

func TestCSVFileErrors(t *testing.T) {
	tests := []struct {
		name    string
		content []byte
		opts    Options
		err     string // exact message; the path is replaced by k.csv
		empty   bool
	}{
		{"empty", nil, Options{}, "k.csv: file is empty", true},
		{"bom only", []byte("\xEF\xBB\xBF"), Options{}, "k.csv: file is empty", true},
		{"blank lines only", []byte("\n\r\n\n"), Options{}, "k.csv: file is empty", true},
		{"binary", []byte("PK\x03\x04abcdefgh\x00\x00\x01"), Options{}, "k.csv: looks like binary data, not text (NUL bytes at offset 12)", false},
		{"old excel", []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\x00\x00"), Options{}, "k.csv: an old Excel (.xls) workbook: save it as .xlsx or CSV", false},
		{"binary after bom", []byte("\xEF\xBB\xBFab\x00"), Options{}, "k.csv: looks like binary data, not text (NUL bytes at offset 5)", false},
		{"unclosed quote in header", []byte("\"a;b\n"), Options{}, "k.csv:1: quoted field opened here is never closed", false},
		{"invalid utf-8 after utf-8", append([]byte("a\nä\n"+strings.Repeat("x\n", 40000)), "\xe4\n"...), Options{}, "k.csv:40003: not valid UTF-8 text", false},
		{"invalid utf-8 when told utf-8", []byte("a\n\xe4\n"), Options{Encoding: "utf-8"}, "k.csv:2: not valid UTF-8 text", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "k.csv", tc.content)
			_, _, err := readAll(t, path, tc.opts)
			if err == nil {
				t.Fatalf("no error, want %q", tc.err)
			}
			msg := strings.ReplaceAll(err.Error(), path, "k.csv")
			if !strings.HasPrefix(msg, tc.err) {
				t.Errorf("error %q, want %q", msg, tc.err)
			}
			if errors.Is(err, ErrEmpty) != tc.empty {
				t.Errorf("errors.Is(err, ErrEmpty) = %v", !tc.empty)
			}
		})
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	_, err := Open(ctx, dir+"/kontakte.csv", Options{})
	if err == nil || err.Error() != "open "+dir+"/kontakte.csv: no such file" || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
	_, err = Open(ctx, dir, Options{})
	if err == nil || err.Error() != "open "+dir+": is a directory" {
		t.Errorf("directory: %v", err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := Open(cancelled, writeFile(t, "k.csv", []byte("a\n")), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCSVHugeField(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789;\"\r\n"), 50<<20/14)
	var b bytes.Buffer
	b.WriteString("id;text\r\n1;\"")
	b.Write(bytes.ReplaceAll(big, []byte(`"`), []byte(`""`)))
	b.WriteString("\";x\r\n2;short\r\n")
	_, rows := mustReadAll(t, writeFile(t, "big.csv", b.Bytes()), Options{})
	if len(rows) != 2 {
		t.Fatalf("%d rows", len(rows))
	}
	if rows[0].Values[1] != string(big) || rows[0].Values[2] != "x" {
		t.Errorf("big field: %d bytes, want %d", len(rows[0].Values[1]), len(big))
	}
	if want := 2 + bytes.Count(big, []byte("\n")) + 1; rows[1].Line != want {
		t.Errorf("line after big field %d, want %d", rows[1].Line, want)
	}
}

func TestCSVProgress(t *testing.T) {
	content := "a;b\n" + strings.Repeat("1;2\n", 100000)
	ctx := context.Background()
	r, err := Open(ctx, writeFile(t, "k.csv", []byte(content)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	done, total := r.Progress()
	if total != int64(len(content)) || done <= 0 || done >= total {
		t.Errorf("after open: %d/%d", done, total)
	}
	for {
		if _, err := r.Next(ctx); err != nil {
			break
		}
	}
	if done, total := r.Progress(); done != total {
		t.Errorf("at end: %d/%d", done, total)
	}
}

func TestCSVValuesNotReused(t *testing.T) {
	_, rows := mustReadAll(t, writeFile(t, "k.csv", []byte("a;b\n1;2\n3;4\n")), Options{})
	rows[0].Values = append(rows[0].Values, "extra")
	if !equal(rows[1].Values, []string{"3", "4"}) {
		t.Errorf("appending to one row changed the next: %q", rows[1].Values)
	}
}

func TestCSVCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Open(ctx, writeFile(t, "k.csv", []byte("a\n"+strings.Repeat("x\n", 5000))), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	for range 5000 {
		if _, err = r.Next(ctx); err != nil {
			break
		}
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

// TestNextReusing: a CSV reader writes a row's values into the array
// handed back when it is large enough, and into a new one otherwise; the
// values are right either way, and a reader that holds rows back for a
// footer reads as Next does.
func TestNextReusing(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.csv")
	if err := os.WriteFile(path, []byte("a,b,c\n1,2,3\n4,\"5\"\"x\",6\n7,8,9\nfoot\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	spare := make([]string, 3, 8)
	next := Reusing(r)
	row, err := next(ctx, spare)
	if err != nil {
		t.Fatal(err)
	}
	if &row.Values[0] != &spare[0] || !slices.Equal(row.Values, []string{"1", "2", "3"}) {
		t.Errorf("first row %v, in the array handed back: %v", row.Values, &row.Values[0] == &spare[0])
	}
	row, err = next(ctx, spare)
	if err != nil || &row.Values[0] != &spare[0] || !slices.Equal(row.Values, []string{"4", "5\"x", "6"}) {
		t.Errorf("second row %v, %v, in the array handed back: %v", row.Values, err, &row.Values[0] == &spare[0])
	}
	small := make([]string, 1)
	row, err = next(ctx, small)
	if err != nil || &row.Values[0] == &small[0] || !slices.Equal(row.Values, []string{"7", "8", "9"}) {
		t.Errorf("third row %v, %v, in an array too small: %v", row.Values, err, &row.Values[0] == &small[0])
	}

	f, err := Open(ctx, path, Options{FooterRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var got [][]string
	nextF := Reusing(f)
	for {
		row, err := nextF(ctx, spare)
		if err != nil {
			break
		}
		got = append(got, slices.Clone(row.Values))
	}
	if len(got) != 3 || got[2][0] != "7" {
		t.Errorf("with a footer: %v", got)
	}
}
