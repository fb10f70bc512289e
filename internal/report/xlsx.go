package report

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Fills of the rejects workbook: Excel's own "bad" colours.
const (
	badFill   = "FFC7CE"
	badFont   = "9C0006"
	headFill  = "E7E6E6"
	maxSheet  = 31 // Excel's limit on a sheet name
	minColW   = 8.0
	maxColW   = 50.0
	errorColW = 70.0
)

// xlsxStyles are the style ids of the rejects workbook.
type xlsxStyles struct {
	header, bad, errors int
}

// WriteRejectsXLSX writes the rejects as an Excel workbook: one sheet named
// after the entity, a bold frozen header row (`line`, `errors`, then the
// source columns), and the cells named in each row's Columns highlighted in
// light red. Values are written as text cells, never as formulas, so they
// need no quote prefix: rows come from ReadRejects with their original
// values. A value longer than Excel's 32,767 characters per cell is cut.
func WriteRejectsXLSX(w io.Writer, entity string, columns []string, rows []RejectRow) error {
	return WriteRejectsWorkbook(w, []RejectsSheet{{Entity: entity, Columns: columns, Rows: rows}})
}

// RejectsSheet is one entity's rejects in a workbook.
type RejectsSheet struct {
	Entity  string
	Columns []string
	Rows    []RejectRow
}

// WriteRejectsWorkbook writes one workbook with a sheet per entity, each
// as WriteRejectsXLSX describes.
func WriteRejectsWorkbook(w io.Writer, sheets []RejectsSheet) error {
	f := excelize.NewFile()
	defer f.Close()
	styles, err := newXLSXStyles(f)
	if err != nil {
		return fmt.Errorf("write rejects workbook: %w", err)
	}
	taken := map[string]bool{}
	for i, s := range sheets {
		name := uniqueSheet(sheetName(s.Entity), taken)
		if i == 0 {
			err = f.SetSheetName(f.GetSheetName(0), name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return fmt.Errorf("write rejects workbook: %w", err)
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return fmt.Errorf("write rejects workbook: %w", err)
		}
		if err := writeRejectSheet(sw, styles, s.Columns, s.Rows); err != nil {
			return fmt.Errorf("write rejects workbook: sheet %s: %w", name, err)
		}
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write rejects workbook: %w", err)
	}
	return nil
}

// uniqueSheet returns name, or a shortened name with a number, not yet
// taken (Excel compares sheet names ignoring case).
func uniqueSheet(name string, taken map[string]bool) string {
	c := name
	for n := 2; taken[strings.ToLower(c)]; n++ {
		suffix := fmt.Sprintf(" (%d)", n)
		r := []rune(name)
		c = string(r[:min(len(r), maxSheet-len(suffix))]) + suffix
	}
	taken[strings.ToLower(c)] = true
	return c
}

func newXLSXStyles(f *excelize.File) (xlsxStyles, error) {
	var s xlsxStyles
	var err error
	s.header, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{headFill}},
	})
	if err != nil {
		return s, err
	}
	s.bad, err = f.NewStyle(&excelize.Style{
		Font: &excelize.Font{Color: badFont},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{badFill}},
	})
	if err != nil {
		return s, err
	}
	s.errors, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: badFont}})
	return s, err
}

func writeRejectSheet(sw *excelize.StreamWriter, st xlsxStyles, columns []string, rows []RejectRow) error {
	width := len(columns)
	for _, r := range rows {
		width = max(width, len(r.Values))
	}
	if err := setRejectColWidths(sw, columns, rows, width); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := []any{excelize.Cell{StyleID: st.header, Value: "line"}, excelize.Cell{StyleID: st.header, Value: "errors"}}
	for _, c := range columns {
		header = append(header, excelize.Cell{StyleID: st.header, Value: c})
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := sw.SetRow(cell, rejectCells(st, columns, r)); err != nil {
			return fmt.Errorf("row of line %d: %w", r.Line, err)
		}
	}
	return sw.Flush()
}

func rejectCells(st xlsxStyles, columns []string, r RejectRow) []any {
	cells := make([]any, 0, 2+len(r.Values))
	cells = append(cells, r.Line, excelize.Cell{StyleID: st.errors, Value: r.Errors})
	for j, v := range r.Values {
		c := excelize.Cell{Value: v}
		if j < len(columns) && contains(r.Columns, columns[j]) {
			c.StyleID = st.bad
		}
		cells = append(cells, c)
	}
	return cells
}

// setRejectColWidths sizes the columns to their header and first values.
func setRejectColWidths(sw *excelize.StreamWriter, columns []string, rows []RejectRow, width int) error {
	if err := sw.SetColWidth(1, 1, minColW); err != nil {
		return err
	}
	if err := sw.SetColWidth(2, 2, errorColW); err != nil {
		return err
	}
	for j := 0; j < width; j++ {
		n := 0
		if j < len(columns) {
			n = utf8.RuneCountInString(columns[j])
		}
		for _, r := range rows[:min(len(rows), 200)] {
			if j < len(r.Values) {
				n = max(n, utf8.RuneCountInString(r.Values[j]))
			}
		}
		if err := sw.SetColWidth(j+3, j+3, min(max(float64(n)+2, minColW), maxColW)); err != nil {
			return err
		}
	}
	return nil
}

// sheetName makes an entity name a valid Excel sheet name.
func sheetName(entity string) string {
	name := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.Trim(entity, "'"))
	if utf8.RuneCountInString(name) > maxSheet {
		name = string([]rune(name)[:maxSheet])
	}
	if name == "" {
		return "rejects"
	}
	return name
}
