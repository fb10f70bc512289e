package source

import (
	"archive/zip"
	"bytes"
	"runtime"
	"strings"
	"testing"
)

// TestXLSXColumnBeyondXFD: a cell reference past Excel's last column is
// an error naming the sheet and the cell, not a million-value row.
func TestXLSXColumnBeyondXFD(t *testing.T) {
	sheet := `<worksheet><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c></row>` +
		`<row r="2"><c r="A2"><v>1</v></c><c r="BDWGN2"><v>2</v></c></row>` +
		`</sheetData></worksheet>`
	path := minimalXLSX(t, sheet)
	_, _, err := readAll(t, path, Options{})
	if err == nil || !strings.Contains(err.Error(), `sheet "Daten" cell BDWGN2`) || !strings.Contains(err.Error(), "XFD") {
		t.Fatalf("err = %v, want one naming the sheet, the cell and XFD", err)
	}
}

// TestXLSXSparseCellBounded: rows with one value far to the right (at XFD)
// never materialise thousands of empty values; the row becomes a row
// problem keeping the header's columns and counting the extra ones.
func TestXLSXSparseCellBounded(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(`<worksheet><sheetData><row r="1">`)
	sb.WriteString(`<c r="A1" t="inlineStr"><is><t>a</t></is></c><c r="B1" t="inlineStr"><is><t>b</t></is></c></row>`)
	const rows = 3000
	for i := 2; i <= rows; i++ {
		n := itoa(i)
		sb.WriteString(`<row r="` + n + `"><c r="A` + n + `"><v>1</v></c><c r="B` + n + `"><v>2</v></c>`)
		sb.WriteString(`<c r="XFC` + n + `"><v>3</v></c><c r="XFD` + n + `"><v>4</v></c></row>`)
	}
	sb.WriteString(`<row r="3001"><c r="A3001"><v>5</v></c><c r="C3001"><v>6</v></c></row>`)
	sb.WriteString(`</sheetData></worksheet>`)
	path := minimalXLSX(t, sb.String())

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, got := mustReadAll(t, path, Options{})
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("reading allocated %d MB, want under 64 MB", alloc>>20)
	}
	if len(got) != rows {
		t.Fatalf("%d rows, want %d", len(got), rows)
	}
	first := got[0]
	if !equal(first.Values, []string{"1", "2"}) || !strings.Contains(first.Problem, "2 values beyond") {
		t.Errorf("sparse row: %d values %.40q, problem %q; want the header's 2 values and a problem counting 2 extra values",
			len(first.Values), first.Values, first.Problem)
	}
	// A value just past the header stays a plain ragged row.
	if last := got[len(got)-1]; !equal(last.Values, []string{"5", "", "6"}) || last.Problem != "" {
		t.Errorf("ragged row = %+v", last)
	}
}

// TestXLSXSharedStringsBounded: a shared-string table that unpacks to far
// more than the workbook could plausibly hold is refused, not loaded.
func TestXLSXSharedStringsBounded(t *testing.T) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	item := `<si><t>` + strings.Repeat("x", 1000) + `</t></si>`
	parts := []struct{ name, body string }{
		{"xl/workbook.xml", `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Daten" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<Relationships><Relationship Id="rId1" ` +
			`Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<worksheet><sheetData><row r="1"><c t="s"><v>0</v></c></row></sheetData></worksheet>`},
	}
	for _, p := range parts {
		w, _ := zw.Create(p.name)
		w.Write([]byte(p.body))
	}
	w, _ := zw.Create("xl/sharedStrings.xml")
	w.Write([]byte(`<sst>`))
	for range 40_000 { // 40 MB of text from a file of a few hundred KB
		w.Write([]byte(item))
	}
	w.Write([]byte(`</sst>`))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeFile(t, "bomb.xlsx", buf.Bytes())
	_, _, err := readAll(t, path, Options{})
	if err == nil || !strings.Contains(err.Error(), "shared strings") {
		t.Fatalf("err = %v, want the shared strings refused", err)
	}
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
		if i == 0 {
			return string(b[n:])
		}
	}
}

// TestXLSXHugeTextNode: one text node of many megabytes (it compresses
// to almost nothing) is refused while streaming, before it is held whole.
func TestXLSXHugeTextNode(t *testing.T) {
	sheet := `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>` +
		`<row r="2"><c t="inlineStr"><is><t>` + strings.Repeat("y", 24<<20) + `</t></is></c></row></sheetData></worksheet>`
	path := minimalXLSX(t, sheet)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, err := readAll(t, path, Options{})
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), `sheet "Daten" near row 2`) {
		t.Fatalf("err = %v, want the oversized text refused", err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
		t.Errorf("reading allocated %d MB, want under 16 MB", alloc>>20)
	}
}
