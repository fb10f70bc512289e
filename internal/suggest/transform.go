package suggest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/format"
)

// Lookup is a lookup table a draft needs for an enum field.
//
// Its rows are the distinct sampled values of the column that stand for an
// allowed value (same value in another case, a known word such as Herr →
// MR, a close spelling), each with that value. Values that stand for none
// are left out of the table and listed in Unmapped: a lookup of a value
// missing from the table rejects the row naming the value and the table,
// where an empty `to` would silently load an empty field.
type Lookup struct {
	Table    string      `json:"table"`
	Rows     []LookupRow `json:"rows"`
	Unmapped []string    `json:"unmapped,omitempty"`
}

// LookupRow maps one source value.
type LookupRow struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// CSV returns the table as a lookup file: header from,to, UTF-8.
func (l *Lookup) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{"from", "to"}) // writes to a buffer: cannot fail
	for _, r := range l.Rows {
		_ = w.Write([]string{r.From, r.To})
	}
	w.Flush()
	return b.Bytes()
}

// bareColumn is a column name a recipe may write without col("…").
var bareColumn = regexp.MustCompile(`^[A-Z][A-Za-z0-9_]*$`)

// colRef is how an expression reads a column: bare when the name is a
// capitalised identifier (no clash with functions or keywords, which are
// lower-case), col("…") otherwise.
func colRef(name string) string {
	if bareColumn.MatchString(name) {
		return name
	}
	return "col(" + strconv.Quote(name) + ")"
}

// transform is the expression that fills field f from the column of p,
// with notes on what it does, a to-do when part of the values will be
// rejected, and the lookup table it needs.
func transform(v *vocab, e *format.Entity, f *format.Field, p *profile, region string) (expr string, notes []string, todo string, lk *Lookup) {
	ref := colRef(p.name)
	trimmed := "trim(" + ref + ")"
	arg := ref // converters get the value trimmed only when the sample has padded values
	if p.padded {
		arg = trimmed
	}
	switch f.Type {
	case format.Email:
		return "lower(" + trimmed + ")", nil, "", nil
	case format.Phone:
		return fmt.Sprintf("phone(%s, %q)", arg, region), []string{"national numbers read as " + region}, "", nil
	case format.Country:
		return "country(" + arg + ")", nil, "", nil
	case format.Date, format.Datetime:
		return dateExpr(f, p, arg)
	case format.Int, format.Decimal:
		if p.number.locale == "" {
			return trimmed, nil, "", nil
		}
		return fmt.Sprintf("number(%s, %q)", arg, p.number.locale),
			[]string{fmt.Sprintf("numbers written %s, e.g. %s", p.number.locale, strconv.Quote(p.number.example))}, "", nil
	case format.Enum:
		return enumExpr(v, e, f, p, trimmed)
	}
	return trimmed, nil, "", nil
}

// dateExpr reads dates with the layouts found in the sample.
func dateExpr(f *format.Field, p *profile, arg string) (string, []string, string, *Lookup) {
	fit := bestDateFit(p, f.Type == format.Datetime)
	fn := "date"
	if f.Type == format.Datetime {
		fn = "datetime"
	}
	if len(fit.layouts) == 0 {
		return fmt.Sprintf("%s(%s, %q)", fn, arg, "DD.MM.YYYY"), nil,
			"no value of the sample is a date: check the layout", nil
	}
	quoted := make([]string, len(fit.layouts))
	for i, l := range fit.layouts {
		quoted[i] = strconv.Quote(l)
	}
	var notes []string
	if fit.note != "" {
		notes = append(notes, fit.note)
	}
	todo := ""
	if fit.ambiguous {
		todo = "day and month order is a guess"
	}
	return fmt.Sprintf("%s(%s, %s)", fn, arg, strings.Join(quoted, ", ")), notes, todo, nil
}

// enumExpr maps a column to an enum field: directly when the values are
// the allowed values (maybe in another case), through a generated lookup
// table otherwise.
func enumExpr(vc *vocab, e *format.Entity, f *format.Field, p *profile, trimmed string) (string, []string, string, *Lookup) {
	lk := &Lookup{Table: e.Name + "_" + f.Name}
	same, upper, lower := true, true, true
	for _, v := range p.order {
		to := vc.enumMatch(p.names[v], f.Values)
		if to == "" {
			lk.Unmapped = append(lk.Unmapped, v)
			continue
		}
		lk.Rows = append(lk.Rows, LookupRow{From: v, To: to})
		same = same && to == v
		upper = upper && to == strings.ToUpper(v)
		lower = lower && to == strings.ToLower(v)
	}
	todo := ""
	if len(lk.Unmapped) > 0 {
		verb := "are"
		if len(lk.Unmapped) == 1 {
			verb = "is"
		}
		todo = fmt.Sprintf("%s for no allowed value (%s) and %s rejected: %s", plural(len(lk.Unmapped), "value stands", "values stand"),
			strings.Join(f.Values, ", "), verb, quoteList(lk.Unmapped, 8))
	}
	switch {
	case same:
		return trimmed, []string{"the values are the allowed values"}, todo, nil
	case upper:
		return "upper(" + trimmed + ")", []string{"the values are the allowed values, some in lower case"}, todo, nil
	case lower:
		return "lower(" + trimmed + ")", []string{"the values are the allowed values, some in upper case"}, todo, nil
	}
	if todo != "" {
		todo += fmt.Sprintf("; map them in lookups/%s.csv", lk.Table)
	}
	note := fmt.Sprintf("lookup table %s maps %d of %d distinct values", lk.Table, len(lk.Rows), len(p.order))
	return fmt.Sprintf("lookup(%q, %s)", lk.Table, trimmed), []string{note}, todo, lk
}

// plural writes "1 value stands" or "3 values stand".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// quoteList quotes up to n values and says how many more there are.
func quoteList(values []string, n int) string {
	var q []string
	for i, v := range values {
		if i == n {
			q = append(q, fmt.Sprintf("… %d more", len(values)-n))
			break
		}
		q = append(q, strconv.Quote(cutText(v, 30)))
	}
	return strings.Join(q, ", ")
}
