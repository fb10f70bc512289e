package source

import (
	"archive/zip"
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// book builds a workbook in a test.
type book struct {
	t *testing.T
	f *excelize.File
}

func newBook(t *testing.T, sheets ...string) *book {
	t.Helper()
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", sheets[0]); err != nil {
		t.Fatal(err)
	}
	for _, s := range sheets[1:] {
		if _, err := f.NewSheet(s); err != nil {
			t.Fatal(err)
		}
	}
	return &book{t: t, f: f}
}

// set writes a value and, if numFmt is not empty, a number format: a
// built-in format id ("14") or a custom code.
func (b *book) set(sheet, cell string, v any, numFmt string) {
	b.t.Helper()
	if v != nil {
		if err := b.f.SetCellValue(sheet, cell, v); err != nil {
			b.t.Fatal(err)
		}
	}
	if numFmt == "" {
		return
	}
	st := &excelize.Style{CustomNumFmt: &numFmt}
	if id, ok := builtinIDs[numFmt]; ok {
		st = &excelize.Style{NumFmt: id}
	}
	style, err := b.f.NewStyle(st)
	if err != nil {
		b.t.Fatal(err)
	}
	if err := b.f.SetCellStyle(sheet, cell, cell, style); err != nil {
		b.t.Fatal(err)
	}
}

var builtinIDs = map[string]int{"14": 14, "20": 20, "22": 22}

func (b *book) row(sheet string, row int, vals ...any) {
	b.t.Helper()
	cell, _ := excelize.CoordinatesToCellName(1, row)
	if err := b.f.SetSheetRow(sheet, cell, &vals); err != nil {
		b.t.Fatal(err)
	}
}

func (b *book) save() string {
	b.t.Helper()
	path := filepath.Join(b.t.TempDir(), "kontakte.xlsx")
	if err := b.f.SaveAs(path); err != nil {
		b.t.Fatal(err)
	}
	return path
}

func TestXLSXValues(t *testing.T) {
	b := newBook(t, "Kontakte", "Andere")
	const s = "Kontakte"
	b.row(s, 1, "ID", "Datum", "Termin", "Zeit", "Betrag", "Lang", "Text", "Flag", "Gross", "Exp")
	b.set(s, "A2", 1, "")
	b.set(s, "B2", 45000, "dd.mm.yyyy")
	b.set(s, "C2", 45000.5, "dd.mm.yyyy hh:mm")
	b.set(s, "D2", 0.75, "20")
	b.set(s, "E2", 0.1, "#,##0.00")
	b.set(s, "F2", 12345678901, "")
	b.set(s, "G2", "00123", "@")
	b.set(s, "H2", true, "")
	b.set(s, "I2", 1e20, "")
	b.set(s, "J2", "1.5E+10", "")
	// Row 3: built-in date format, a gap, a datetime at midnight, rich text.
	b.set(s, "A3", 2, "")
	b.set(s, "B3", 45000, "14")
	b.set(s, "C3", 45001, "22")
	b.set(s, "E3", -3.25, "0.00%")
	if err := b.f.SetCellRichText(s, "G3", []excelize.RichTextRun{{Text: "Mül"}, {Text: "ler"}}); err != nil {
		t.Fatal(err)
	}
	b.set(s, "I3", 0.1+0.2, "")
	if err := b.f.SetCellFormula(s, "J3", `"a"&"b"`); err != nil {
		t.Fatal(err)
	}
	// Row 5 after an empty row 4; a value beyond the header makes it ragged.
	b.set(s, "A5", 3, "")
	b.set(s, "L5", "extra", "")
	// Styled but empty cells and rows at the end are not rows.
	for _, c := range []string{"K2", "A8", "B9", "C20"} {
		b.set(s, c, nil, "dd.mm.yyyy")
	}
	b.row("Andere", 1, "x")
	path := b.save()
	r, rows := mustReadAll(t, path, Options{Sheet: s})
	want := [][]string{
		{"1", "2023-03-15", "2023-03-15 12:00:00", "18:00:00", "0.1", "12345678901", "00123", "TRUE", "100000000000000000000", "1.5E+10"},
		{"2", "2023-03-15", "2023-03-16 00:00:00", "", "-3.25", "", "Müller", "", "0.3", ""},
		{"3", "", "", "", "", "", "", "", "", "", "", "extra"},
	}
	if !equal(r.Columns(), []string{"ID", "Datum", "Termin", "Zeit", "Betrag", "Lang", "Text", "Flag", "Gross", "Exp"}) {
		t.Errorf("columns %q", r.Columns())
	}
	if !equal(values(rows), want) {
		t.Errorf("rows\n%q\nwant\n%q", values(rows), want)
	}
	if !equal(lines(rows), []int{2, 3, 5}) {
		t.Errorf("lines %v, want [2 3 5]", lines(rows))
	}
	if r.Encoding() != "" || r.Delimiter() != "" {
		t.Errorf("encoding %q delimiter %q", r.Encoding(), r.Delimiter())
	}
	if done, total := r.Progress(); done != total || total == 0 {
		t.Errorf("progress %d/%d", done, total)
	}
}

func TestXLSXSheets(t *testing.T) {
	b := newBook(t, "Erste", "Kontakte", "Leer")
	b.row("Erste", 1, "a")
	b.row("Erste", 2, "1")
	b.row("Kontakte", 3, "ID", "Name") // header after two empty rows
	b.row("Kontakte", 4, "7", "Meier")
	path := b.save()

	r, rows := mustReadAll(t, path, Options{})
	if !equal(r.Columns(), []string{"a"}) || len(rows) != 1 {
		t.Errorf("first sheet: %q %q", r.Columns(), values(rows))
	}
	r, rows = mustReadAll(t, path, Options{Sheet: "Kontakte"})
	if !equal(r.Columns(), []string{"ID", "Name"}) || !equal(values(rows), [][]string{{"7", "Meier"}}) || rows[0].Line != 4 {
		t.Errorf("by name: %q %q %v", r.Columns(), values(rows), lines(rows))
	}
	tests := []struct{ sheet, err string }{
		{"Fehlt", `kontakte.xlsx: no sheet "Fehlt" (sheets: "Erste", "Kontakte", "Leer")`},
		{"Leer", `kontakte.xlsx: sheet "Leer" is empty`},
	}
	for _, tc := range tests {
		_, _, err := readAll(t, path, Options{Sheet: tc.sheet})
		if err == nil || strings.ReplaceAll(err.Error(), path, "kontakte.xlsx") != tc.err {
			t.Errorf("sheet %s: error %v, want %s", tc.sheet, err, tc.err)
		}
	}
}

func TestXLSXHeaderErrors(t *testing.T) {
	b := newBook(t, "S")
	b.row("S", 2, "a", nil, "c")
	path := b.save()
	r, _ := mustReadAll(t, path, Options{})
	if !equal(r.Columns(), []string{"a", "column_2", "c"}) || !equal(Warnings(r), []string{path + ":2: column 2 has no name: it is called column_2"}) {
		t.Errorf("columns %q, warnings %q", r.Columns(), Warnings(r))
	}
	_, _, err := readAll(t, writeFile(t, "k.xlsx", []byte("PK\x03\x04 not really")), Options{})
	if err == nil || !strings.Contains(err.Error(), "k.xlsx: not a readable xlsx file") {
		t.Errorf("broken zip: %v", err)
	}
}

func TestXLSXDate1904(t *testing.T) {
	b := newBook(t, "S")
	yes := true
	if err := b.f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
		t.Fatal(err)
	}
	b.row("S", 1, "d")
	b.set("S", "A2", 0, "dd.mm.yyyy")
	b.set("S", "A3", time.Date(2024, 2, 29, 8, 30, 15, 0, time.UTC), "dd.mm.yyyy hh:mm:ss")
	_, rows := mustReadAll(t, b.save(), Options{})
	if want := [][]string{{"1904-01-01"}, {"2024-02-29 08:30:15"}}; !equal(values(rows), want) {
		t.Errorf("rows %q, want %q", values(rows), want)
	}
}

func TestFormatKind(t *testing.T) {
	tests := []struct {
		code string
		want numKind
	}{
		{"General", numPlain},
		{"0.00", numPlain},
		{"#,##0.00 [$€-407]", numPlain},
		{"0.00E+00", numPlain},
		{"@", numPlain},
		{`0 "days"`, numPlain},
		{`_-* #,##0.00\ "CHF"_-`, numPlain},
		{"[Red]0.00;[Blue]-0.00", numPlain},
		{"dd.mm.yyyy", numDate},
		{"DD/MM/YYYY", numDate},
		{"[$-407]d. mmmm yyyy", numDate},
		{"mmm-yy", numDate},
		{"yyyy-mm-dd hh:mm:ss", numDateTime},
		{"m/d/yy h:mm AM/PM", numDateTime},
		{"hh:mm", numTime},
		{"[h]:mm:ss", numTime},
		{"mm:ss", numTime},
		{`"Datum" 0`, numPlain},
	}
	for _, tc := range tests {
		if got := formatKind(tc.code); got != tc.want {
			t.Errorf("formatKind(%q) = %d, want %d", tc.code, got, tc.want)
		}
	}
	for id, want := range map[int]numKind{0: numPlain, 2: numPlain, 14: numDate, 22: numDateTime, 20: numTime, 46: numTime, 49: numPlain} {
		if got := builtinKind(id); got != want {
			t.Errorf("builtinKind(%d) = %d, want %d", id, got, want)
		}
	}
}

func TestSerialText(t *testing.T) {
	tests := []struct {
		v        string
		kind     numKind
		date1904 bool
		want     string
	}{
		{"45000", numDate, false, "2023-03-15"},
		{"45000.5", numDate, false, "2023-03-15 12:00:00"},
		{"45000.99999999", numDate, false, "2023-03-16"},
		{"1", numDate, false, "1900-01-01"},
		{"59", numDate, false, "1900-02-28"},
		{"61", numDate, false, "1900-03-01"},
		{"0", numDate, true, "1904-01-01"},
		{"0.25", numTime, false, "06:00:00"},
		{"1.25", numTime, false, "1900-01-01 06:00:00"},
		{"-1", numDate, false, "-1"},
		{"abc", numDate, false, "abc"},
		{"99999999", numDate, false, "99999999"},
	}
	for _, tc := range tests {
		if got := serialText(tc.v, tc.kind, tc.date1904); got != tc.want {
			t.Errorf("serialText(%q) = %q, want %q", tc.v, got, tc.want)
		}
	}
}

func TestNumberText(t *testing.T) {
	tests := map[string]string{
		"0.1":                    "0.1",
		"12345678901":            "12345678901",
		"1.2345678901E+10":       "12345678901",
		"1E+20":                  "100000000000000000000",
		"1E-7":                   "0.0000001",
		"0.30000000000000004":    "0.3",
		"1.2345678901234567E+18": "1234567890123460000",
		"-3.25":                  "-3.25",
		"":                       "",
		"#N/A":                   "#N/A",
	}
	for in, want := range tests {
		if got := numberText(in); got != want {
			t.Errorf("numberText(%q) = %q, want %q", in, got, want)
		}
	}
}

// minimalXLSX zips a workbook by hand: no styles, no shared strings, the
// given sheet XML.
func minimalXLSX(t *testing.T, sheet string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	parts := map[string]string{
		"xl/workbook.xml": `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Daten" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" ` +
			`Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": sheet,
	}
	for name, body := range parts {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, "hand.xlsx", buf.Bytes())
}

func TestXLSXByHand(t *testing.T) {
	const head = `<worksheet><sheetData>` +
		`<x:row r="1"><c t="inlineStr"><is><t>a</t></is></c><c t="inlineStr"><is><r><t>b</t></r><r><t>c</t></r></is></c></x:row>` +
		`<row><c r="B2" t="str"><f>x</f><v>v</v></c><c t="e"><v>#N/A</v></c></row>`
	_, rows := mustReadAll(t, minimalXLSX(t, head+`</sheetData></worksheet>`), Options{})
	if want := []Row{{Line: 2, Values: []string{"", "v", "#N/A"}}}; !equal(rows, want) {
		t.Errorf("rows %+v, want %+v", rows, want)
	}
	path := minimalXLSX(t, head+`<row r="3"><c><v>1`)
	_, _, err := readAll(t, path, Options{})
	if err == nil || !strings.HasPrefix(err.Error(), path+`: sheet "Daten" near row 3: `) {
		t.Errorf("cut-off sheet: %v", err)
	}
}
