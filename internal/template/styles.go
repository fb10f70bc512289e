package template

import (
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/format"
)

// styleKey names a cell style of the workbook; equal keys share a style.
type styleKey struct {
	numFmt  int    // built-in number format id
	custom  string // custom number format; wins over numFmt
	bold    bool
	fill    string // background colour, "" for none
	size    float64
	wrap    bool
	heading bool
}

// Built-in number formats.
const (
	fmtGeneral = 0
	fmtInteger = 1 // 0
	fmtText    = 49
)

// Excel number formats of dates and times, matching docs.DateLayout and
// docs.DatetimeLayout.
const (
	excelDate     = "dd.mm.yyyy"
	excelDatetime = "dd.mm.yyyy hh:mm"
)

// requiredFill marks the header of a required column.
const requiredFill = "FFF2CC"

// bodyStyle is the format of a field's data cells: text for everything
// that is not a number or a date, so that Excel keeps leading zeros and
// does not turn codes into numbers or dates.
func bodyStyle(fd *format.Field) styleKey {
	switch fd.Type {
	case format.Int:
		return styleKey{numFmt: fmtInteger}
	case format.Decimal:
		if fd.Scale < 0 {
			return styleKey{numFmt: fmtGeneral}
		}
		if fd.Scale == 0 {
			return styleKey{numFmt: fmtInteger}
		}
		return styleKey{custom: "0." + strings.Repeat("0", fd.Scale)}
	case format.Date:
		return styleKey{custom: excelDate}
	case format.Datetime:
		return styleKey{custom: excelDatetime}
	}
	return styleKey{numFmt: fmtText}
}

func headerStyle(required bool) styleKey {
	k := styleKey{numFmt: fmtText, bold: true, fill: "D9E1F2"}
	if required {
		k.fill = requiredFill
	}
	return k
}

// style returns the id of the style, creating it on first use.
func (b *builder) style(k styleKey) (int, error) {
	if id, ok := b.styles[k]; ok {
		return id, nil
	}
	s := &excelize.Style{NumFmt: k.numFmt}
	if k.custom != "" {
		c := k.custom
		s.CustomNumFmt = &c
	}
	if k.bold || k.size > 0 {
		s.Font = &excelize.Font{Bold: k.bold, Size: k.size}
	}
	if k.fill != "" {
		s.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{k.fill}}
	}
	if k.wrap {
		s.Alignment = &excelize.Alignment{WrapText: true, Vertical: "top"}
	}
	if k.heading {
		s.Border = []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}
	}
	id, err := b.f.NewStyle(s)
	if err != nil {
		return 0, err
	}
	b.styles[k] = id
	return id, nil
}
