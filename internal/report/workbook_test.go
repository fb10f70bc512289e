package report

import (
	"bytes"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestRejectsWorkbookHasASheetPerEntity: several entities go into one
// workbook, one sheet each.
func TestRejectsWorkbookHasASheetPerEntity(t *testing.T) {
	var buf bytes.Buffer
	err := WriteRejectsWorkbook(&buf, []RejectsSheet{
		{Entity: "structures", Columns: []string{"ID"}, Rows: []RejectRow{{Line: 3, Errors: "x", Values: []string{"S1"}}}},
		{Entity: "contacts", Columns: []string{"ID", "Name"}, Rows: []RejectRow{{Line: 7, Errors: "y", Values: []string{"K1", "M"}, Columns: []string{"Name"}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !equalStrings(got, []string{"structures", "contacts"}) {
		t.Errorf("sheets %v", got)
	}
	if v, _ := f.GetCellValue("contacts", "D2"); v != "M" {
		t.Errorf("contacts D2 = %q", v)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
