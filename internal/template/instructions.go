package template

import (
	"fmt"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/format"
)

// instructions fills the first sheet: how to fill in the template, then a
// table per entity of its fields.
func (b *builder) instructions(entities []*format.Entity) error {
	d := docs.Build(&format.Format{Entities: entities}, b.o.Docs)
	w := &sheetWriter{b: b, sheet: InstructionsSheet, row: 1}
	w.line(styleKey{bold: true, size: 16}, d.Title)
	w.line(styleKey{}, d.Intro)
	w.row++
	w.line(styleKey{bold: true, size: 12}, "How to fill in")
	for _, s := range d.Delivery {
		w.line(styleKey{}, "• "+s)
	}
	w.line(styleKey{}, "• A yellow header marks a required column. Select a cell to see what the column expects; list columns offer their values in a drop-down.")
	w.line(styleKey{}, fmt.Sprintf("• Dates: %s (31.12.1980) or a date cell; dates and times: %s.", docs.DateLayout, docs.DatetimeLayout))
	w.row++
	w.line(styleKey{bold: true, size: 12}, "A row is not imported when")
	for _, s := range d.Rules {
		w.line(styleKey{}, "• "+s)
	}
	for _, e := range d.Entities {
		w.row++
		w.line(styleKey{bold: true, size: 12}, "Sheet "+SheetName(e.Name))
		w.cells(styleKey{bold: true, heading: true}, "Field", "Type", "Required", "How to write it", "Example")
		for _, f := range e.Fields {
			w.cells(styleKey{wrap: true}, f.Name, f.Type, f.RequiredText(), f.Accepted(), f.Example)
		}
	}
	if w.err != nil {
		return w.err
	}
	for col, width := range map[string]float64{"A": 24, "B": 26, "C": 11, "D": 70, "E": 24} {
		if err := b.f.SetColWidth(InstructionsSheet, col, col, width); err != nil {
			return err
		}
	}
	return nil
}

// sheetWriter writes rows of text to a sheet, keeping the first error.
type sheetWriter struct {
	b     *builder
	sheet string
	row   int
	err   error
}

// line writes one text in column A.
func (w *sheetWriter) line(k styleKey, text string) {
	w.cells(k, text)
}

// cells writes texts to the next row, from column A on.
func (w *sheetWriter) cells(k styleKey, texts ...string) {
	if w.err != nil {
		return
	}
	id, err := w.b.style(k)
	if err != nil {
		w.err = err
		return
	}
	for i, t := range texts {
		cell := fmt.Sprintf("%c%d", 'A'+i, w.row)
		if err := w.b.f.SetCellStr(w.sheet, cell, t); err != nil {
			w.err = err
			return
		}
		if err := w.b.f.SetCellStyle(w.sheet, cell, cell, id); err != nil {
			w.err = err
			return
		}
	}
	w.row++
}
