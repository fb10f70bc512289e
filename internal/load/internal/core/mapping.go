package core

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// IDColumn is the generated id column every target table has.
const IDColumn = "id"

// Mapping is an entity as the loaders see it: its table, a column per field,
// where the key and the references are.
type Mapping struct {
	Entity   *format.Entity
	Table    string
	Columns  []string // target column per field
	KeyIndex int      // index of the key field
}

// NewMapping checks what loading e needs from the format and returns its mapping.
func NewMapping(e *format.Entity) (*Mapping, error) {
	p := &Mapping{Entity: e, Table: e.Table, KeyIndex: e.KeyIndex()}
	if p.Table == "" {
		p.Table = e.Name
	}
	if p.KeyIndex < 0 {
		return nil, fmt.Errorf("entity %s: key field %q is not one of its fields", e.Name, e.Key)
	}
	if e.Fields[p.KeyIndex].Type == format.Ref {
		return nil, fmt.Errorf("entity %s: key field %s cannot be a ref", e.Name, e.Key)
	}
	seen := map[string]string{strings.ToLower(IDColumn): "the generated id column"}
	for _, f := range e.Fields {
		col := f.Column
		if col == "" {
			col = f.Name
		}
		if other, dup := seen[strings.ToLower(col)]; dup {
			return nil, fmt.Errorf("entity %s: field %s: column %s is already used by %s", e.Name, f.Name, col, other)
		}
		seen[strings.ToLower(col)] = "field " + f.Name
		if f.Type == format.Ref && f.Entity == "" {
			return nil, fmt.Errorf("entity %s: field %s: a ref needs the referenced entity", e.Name, f.Name)
		}
		p.Columns = append(p.Columns, col)
	}
	return p, nil
}

// Mappings builds the mapping of every entity of f, in load order.
func Mappings(f *format.Format) ([]*Mapping, error) {
	var ps []*Mapping
	var errs []error
	for _, e := range f.Entities {
		p, err := NewMapping(e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ps = append(ps, p)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ps, nil
}

// Referenced reports which entities are the target of some ref field.
func Referenced(f *format.Format) map[string]bool {
	m := map[string]bool{}
	for _, e := range f.Entities {
		for _, fl := range e.Fields {
			if fl.Type == format.Ref {
				m[fl.Entity] = true
			}
		}
	}
	return m
}

// Check returns an error when a record does not fit the mapping.
func (p *Mapping) Check(r *load.Record) error {
	if len(r.Values) != len(p.Columns) {
		return fmt.Errorf("line %d: %d values for %d fields", r.Line, len(r.Values), len(p.Columns))
	}
	if r.Values[p.KeyIndex] == "" {
		return fmt.Errorf("line %d: the key %s is empty", r.Line, p.Entity.Key)
	}
	return nil
}

// ValueError names the record, field and value that is not canonical.
func ValueError(r *load.Record, f *format.Field, v string) error {
	return fmt.Errorf("line %d: field %s: %q is not a canonical %s", r.Line, f.Name, v, f.Type)
}

func ParseInt(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}

func ParseBool(s string) (bool, bool) {
	switch s {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// ParseDate reads YYYY-MM-DD as midnight UTC.
func ParseDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, false // 31 February
	}
	return t, true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseDatetime reads an RFC 3339 timestamp.
func ParseDatetime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// ValidDecimal reports whether s is a canonical decimal: an optional '-',
// digits, optionally '.' and more digits.
func ValidDecimal(s string) bool {
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasPoint := strings.Cut(s, ".")
	if whole == "" || (hasPoint && frac == "") {
		return false
	}
	_, ok1 := allDigits(whole)
	_, ok2 := allDigits(frac)
	return ok1 && ok2
}

func allDigits(s string) (int, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return i, false
		}
	}
	return len(s), true
}

// SkipColumn is the column of handover_rows that holds the engine's skip
// data of an entry (load.Record.Skip, load.SkipReader); null when none.
const SkipColumn = "skip"

// SchemaVersion is the version of the bookkeeping tables this code writes.
const SchemaVersion = "1"

// Constraints is what a created table declares for field i's column: the
// key NOT NULL UNIQUE, a unique field UNIQUE (nulls may repeat), a
// required field NOT NULL — except a reference, whose column may be
// written empty first and filled once the row it refers to is loaded
// (a reference to a later row of the same entity). Existing tables are
// not altered (README: "Constraints of created tables").
func Constraints(p *Mapping, i int) string {
	f := p.Entity.Fields[i]
	switch {
	case i == p.KeyIndex:
		return " NOT NULL UNIQUE"
	case f.Type == format.Ref:
		return ""
	case f.Required && f.Unique:
		return " NOT NULL UNIQUE"
	case f.Unique:
		return " UNIQUE"
	case f.Required:
		return " NOT NULL"
	}
	return ""
}
