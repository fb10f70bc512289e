package template

import (
	"fmt"
	"io"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/format"
)

// lastRow is the last row data validations cover: all of them.
const lastRow = 1048576

// WriteWorkbook writes the template workbook of the entities to w.
func WriteWorkbook(w io.Writer, entities []*format.Entity, o Options) error {
	f, err := Workbook(entities, o)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	return nil
}

// Workbook builds the template workbook: the instructions sheet first,
// then a sheet per entity with the field names as a bold, frozen header
// row; per column an input message (type, required, format, rules), a
// drop-down list for enum and yes/no fields, length and number checks, and
// the cell format that keeps the value as it is meant (text for codes and
// phone numbers so leading zeros survive, dates as DD.MM.YYYY).
func Workbook(entities []*format.Entity, o Options) (*excelize.File, error) {
	b := &builder{f: excelize.NewFile(), o: o}
	if err := b.build(entities); err != nil {
		b.f.Close()
		return nil, fmt.Errorf("build template: %w", err)
	}
	return b.f, nil
}

// builder carries one workbook being built.
type builder struct {
	f      *excelize.File
	o      Options
	styles map[styleKey]int
	lists  [][]string // long drop-down lists, for the lists sheet
}

func (b *builder) build(entities []*format.Entity) error {
	b.styles = map[styleKey]int{}
	if err := b.f.SetSheetName("Sheet1", InstructionsSheet); err != nil {
		return err
	}
	if err := b.instructions(entities); err != nil {
		return err
	}
	for _, e := range entities {
		if err := b.entitySheet(e); err != nil {
			return fmt.Errorf("sheet %s: %w", e.Name, err)
		}
	}
	if err := b.writeLists(); err != nil {
		return err
	}
	b.f.SetActiveSheet(0)
	return nil
}

func (b *builder) entitySheet(e *format.Entity) error {
	sheet := SheetName(e.Name)
	if _, err := b.f.NewSheet(sheet); err != nil {
		return err
	}
	for i, fd := range e.Fields {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.column(sheet, col, e, fd); err != nil {
			return fmt.Errorf("field %s: %w", fd.Name, err)
		}
	}
	return b.f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// column sets up one field's column: header cell, width, cell format and
// data validation.
func (b *builder) column(sheet, col string, e *format.Entity, fd *format.Field) error {
	d := docs.Describe(e, fd, b.o.Docs)
	body, err := b.style(bodyStyle(fd))
	if err != nil {
		return err
	}
	if err := b.f.SetColStyle(sheet, col, body); err != nil {
		return err
	}
	if err := b.f.SetColWidth(sheet, col, col, columnWidth(fd)); err != nil {
		return err
	}
	head, err := b.style(headerStyle(d.Required))
	if err != nil {
		return err
	}
	if err := b.f.SetCellStr(sheet, col+"1", fd.Name); err != nil {
		return err
	}
	if err := b.f.SetCellStyle(sheet, col+"1", col+"1", head); err != nil {
		return err
	}
	dv, err := b.validation(fd, d)
	if err != nil {
		return err
	}
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, lastRow)
	return b.f.AddDataValidation(sheet, dv)
}

func columnWidth(fd *format.Field) float64 {
	w := float64(len(fd.Name) + 4)
	switch fd.Type {
	case format.Email, format.Datetime:
		w = max(w, 22)
	case format.String:
		if fd.MaxLength == 0 || fd.MaxLength > 40 {
			w = max(w, 28)
		}
	}
	return max(w, 14)
}

// validation is the column's data validation: the input message, and a
// list, length or number check where the field has one.
func (b *builder) validation(fd *format.Field, d docs.Field) (*excelize.DataValidation, error) {
	dv := excelize.NewDataValidation(true)
	title := fd.Name
	if d.Required {
		title += " (required)"
	}
	dv.SetInput(cut(title, 32), docs.Hint(d))
	var err error
	switch fd.Type {
	case format.Enum:
		err = b.dropList(dv, fd.Values)
		dv.SetError(excelize.DataValidationErrorStyleStop, cut(fd.Name, 32), cut("Choose one of: "+strings.Join(fd.Values, ", "), 255))
	case format.Bool:
		err = dv.SetDropList([]string{"yes", "no"})
		dv.SetError(excelize.DataValidationErrorStyleStop, cut(fd.Name, 32), "Choose yes or no.")
	case format.Int, format.Decimal:
		numberCheck(dv, fd)
	case format.String:
		if fd.MaxLength > 0 {
			err = dv.SetRange(0, fd.MaxLength, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorBetween)
			dv.SetError(excelize.DataValidationErrorStyleStop, cut(fd.Name, 32), fmt.Sprintf("At most %d characters.", fd.MaxLength))
		}
	}
	return dv, err
}

// numberCheck lets Excel refuse text in a number column and values out of
// the field's bounds.
func numberCheck(dv *excelize.DataValidation, fd *format.Field) {
	lo, hi := "-999999999999999", "999999999999999"
	if fd.Min != "" {
		lo = fd.Min
	}
	if fd.Max != "" {
		hi = fd.Max
	}
	kind, what := excelize.DataValidationTypeDecimal, "a number"
	if fd.Type == format.Int {
		kind, what = excelize.DataValidationTypeWhole, "a whole number"
	}
	_ = dv.SetRange(lo, hi, kind, excelize.DataValidationOperatorBetween) // string bounds never fail
	dv.SetError(excelize.DataValidationErrorStyleStop, cut(fd.Name, 32), fmt.Sprintf("Enter %s between %s and %s.", what, lo, hi))
}

// dropList sets a list validation: inline when the values fit Excel's 255
// characters and hold no comma or quote, otherwise from a range of the
// hidden lists sheet through a defined name (see writeLists).
func (b *builder) dropList(dv *excelize.DataValidation, values []string) error {
	if inlineList(values) {
		return dv.SetDropList(values)
	}
	b.lists = append(b.lists, values)
	dv.SetSqrefDropList(listName(len(b.lists)))
	return nil
}

func listName(n int) string { return fmt.Sprintf("list_%d", n) }

// writeLists writes the long lists, a column each, to the hidden lists
// sheet (the last sheet) and names their ranges.
func (b *builder) writeLists() error {
	if len(b.lists) == 0 {
		return nil
	}
	if _, err := b.f.NewSheet(listsSheet); err != nil {
		return err
	}
	for i, values := range b.lists {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		for j, v := range values {
			if err := b.f.SetCellStr(listsSheet, fmt.Sprintf("%s%d", col, j+1), v); err != nil {
				return err
			}
		}
		if err := b.f.SetDefinedName(&excelize.DefinedName{Name: listName(i + 1),
			RefersTo: fmt.Sprintf("%s!$%s$1:$%s$%d", listsSheet, col, col, len(values))}); err != nil {
			return err
		}
	}
	return b.f.SetSheetVisible(listsSheet, false)
}

// inlineList reports whether a drop-down list can be written into the
// validation itself.
func inlineList(values []string) bool {
	if len(strings.Join(values, ",")) > 255 {
		return false
	}
	for _, v := range values {
		if strings.ContainsAny(v, `,"`) {
			return false
		}
	}
	return true
}

// cut shortens s to n runes (Excel's limits on validation texts).
func cut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
