// Package template builds the customer's fill-in template from a target
// format — an Excel workbook with a sheet per entity, or one CSV file per
// entity — and the identity recipes that read a filled-in template as it
// is delivered. What the template promises (dates as DD.MM.YYYY, …) is what
// the recipes accept and what package docs tells the customer.
package template

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/docs"
	"github.com/handover/handover/internal/format"
)

// Options shape the template and its recipes.
type Options struct {
	// Docs carries the phone region and time zone the hints promise and
	// the recipes apply.
	Docs docs.Options
	// Delimiter separates the values of the CSV template; 0 is ';'.
	Delimiter rune
}

func (o Options) delimiter() rune {
	if o.Delimiter == 0 {
		return ';'
	}
	return o.Delimiter
}

// InstructionsSheet is the name of the workbook's first sheet.
const InstructionsSheet = "Instructions"

// listsSheet holds the values of long drop-down lists; it is hidden.
const listsSheet = "Lists"

// isoDate and isoDatetime are how the workbook reader returns date cells.
const (
	isoDate        = "YYYY-MM-DD"
	isoDatetime    = "YYYY-MM-DD HH:mm:ss"
	isoDatetimeMin = "YYYY-MM-DD HH:mm"
)

// Select returns the entities named (all when names is empty), in format
// order. An unknown name is an error that lists the known ones.
func Select(f *format.Format, names []string) ([]*format.Entity, error) {
	if len(names) == 0 {
		return f.Entities, nil
	}
	want := map[string]bool{}
	for _, n := range names {
		if f.Entity(n) == nil {
			known := make([]string, len(f.Entities))
			for i, e := range f.Entities {
				known[i] = e.Name
			}
			return nil, fmt.Errorf("no entity %q in the format (entities: %s)", n, strings.Join(known, ", "))
		}
		want[n] = true
	}
	var out []*format.Entity
	for _, e := range f.Entities {
		if want[e.Name] {
			out = append(out, e)
		}
	}
	return out, nil
}

// SheetName is the workbook sheet of an entity: its name, cut to the 31
// characters Excel allows.
func SheetName(entity string) string {
	if r := []rune(entity); len(r) > 31 {
		return string(r[:31])
	}
	return entity
}

// Expr is the identity expression of a field: the template column of the
// same name, trimmed, with the conversion the template's promise needs —
// dates written DD.MM.YYYY or stored as date cells, phone numbers of the
// configured region.
func Expr(f *format.Field, o Options) string {
	c := "trim(col(" + strconv.Quote(f.Name) + "))"
	switch f.Type {
	case format.Date:
		return fmt.Sprintf("date(%s, %q, %q)", c, docs.DateLayout, isoDate)
	case format.Datetime:
		s := fmt.Sprintf("datetime(%s, %q, %q, %q, %q", c, docs.DatetimeLayout, isoDatetime, isoDatetimeMin, isoDate)
		if o.Docs.TimeZone != "" {
			s += fmt.Sprintf(", %q", o.Docs.TimeZone)
		}
		return s + ")"
	case format.Phone:
		if o.Docs.PhoneRegion != "" {
			return fmt.Sprintf("phone(%s, %q)", c, o.Docs.PhoneRegion)
		}
	}
	return c
}
