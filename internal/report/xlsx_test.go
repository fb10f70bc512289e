package report

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteRejectsXLSX(t *testing.T) {
	csvOut, cellsOut := writeTestRejects(t)
	cols, rows, err := ReadRejects(bytes.NewReader(csvOut))
	if err != nil {
		t.Fatal(err)
	}
	if err := ReadRejectCells(bytes.NewReader(cellsOut), rows); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteRejectsXLSX(&buf, "contacts", cols, rows); err != nil {
		t.Fatal(err)
	}

	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"contacts"}) {
		t.Fatalf("sheets = %q, want [contacts]", got)
	}
	got, err := f.GetRows("contacts")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"line", "errors", "ID", "Nachname", "Geburtsdatum", "Notiz"}; !slices.Equal(got[0], want) {
		t.Errorf("header = %q, want %q", got[0], want)
	}
	// Row of line 13: the original values, the formula as plain text.
	if want := []string{"13", "external_id: is required", "", `=HYPERLINK("http://x")`, "-12.5", "Zeile 1\nZeile 2"}; !slices.Equal(got[2], want) {
		t.Errorf("row 3 = %q, want %q", got[2], want)
	}
	if formula, _ := f.GetCellFormula("contacts", "D3"); formula != "" {
		t.Errorf("D3 holds formula %q, want plain text", formula)
	}
	if want := []string{"15", "row has 6 values, the header 4", "K3", "Müller", "01.01.1970", "", "extra", "@SUM(A1)"}; !slices.Equal(got[3], want) {
		t.Errorf("ragged row = %q, want %q", got[3], want)
	}

	if !cellBold(t, f, "A1") || !cellBold(t, f, "F1") {
		t.Error("header is not bold")
	}
	for cell, bad := range map[string]bool{
		"E2": true,  // line 12: Geburtsdatum
		"D2": true,  // line 12: Nachname
		"C2": false, // line 12: ID is fine
		"C3": true,  // line 13: ID
		"E3": false,
		"C4": false, // line 15: no cells known
	} {
		if got := cellFill(t, f, cell); (got == badFill) != bad {
			t.Errorf("%s fill = %q, want highlighted %v", cell, got, bad)
		}
	}
	panes, err := f.GetPanes("contacts")
	if err != nil {
		t.Fatal(err)
	}
	if !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("panes = %+v, want the header row frozen", panes)
	}
}

func cellStyle(t *testing.T, f *excelize.File, cell string) *excelize.Style {
	t.Helper()
	id, err := f.GetCellStyle("contacts", cell)
	if err != nil {
		t.Fatal(err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func cellBold(t *testing.T, f *excelize.File, cell string) bool {
	st := cellStyle(t, f, cell)
	return st.Font != nil && st.Font.Bold
}

func cellFill(t *testing.T, f *excelize.File, cell string) string {
	st := cellStyle(t, f, cell)
	if len(st.Fill.Color) == 0 {
		return ""
	}
	return st.Fill.Color[0]
}

func TestSheetName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"contacts", "contacts"},
		{"a/b:c", "a_b_c"},
		{"'quoted'", "quoted"},
		{"", "rejects"},
		{"an_entity_name_that_is_far_too_long_for_excel", "an_entity_name_that_is_far_too_"},
	}
	for _, tt := range tests {
		if got := sheetName(tt.in); got != tt.want {
			t.Errorf("sheetName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteRejectsXLSXOddValues(t *testing.T) {
	rows := []RejectRow{{Line: 2, Errors: "a: bad", Values: []string{"ctl\x01char", strings.Repeat("x", 40000)}, Columns: []string{"A"}}}
	var buf bytes.Buffer
	if err := WriteRejectsXLSX(&buf, "odd", []string{"A", "B"}, rows); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatalf("workbook does not open: %v", err)
	}
	defer f.Close()
	b, err := f.GetCellValue("odd", "D2")
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != excelize.TotalCellChars {
		t.Errorf("long value has %d characters, want it cut to %d", len(b), excelize.TotalCellChars)
	}
	if a, _ := f.GetCellValue("odd", "C2"); !strings.HasPrefix(a, "ctl") {
		t.Errorf("C2 = %q", a)
	}
}
