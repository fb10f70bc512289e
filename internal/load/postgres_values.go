package load

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/handover/handover/internal/format"
)

// pgEncoder turns records into the values pgx encodes for a binary COPY.
// Every column has a slot that is overwritten row after row, so a row
// costs no allocation; vals holds pointers to the slots (nil for null).
type pgEncoder struct {
	p      *plan
	refIDs []map[string]int64 // per field: a ref's key → target id; nil: refs stay keys
	slots  []pgSlot
	vals   []any // the row: off leading columns, then one per field
	off    int
}

type pgSlot struct {
	text pgtype.Text
	int8 pgtype.Int8
	bool pgtype.Bool
	date pgtype.Date
	ts   pgtype.Timestamptz
	dec  decimalText
}

func newPGEncoder(p *plan, off int, refIDs []map[string]int64) *pgEncoder {
	return &pgEncoder{p: p, refIDs: refIDs, slots: make([]pgSlot, off+len(p.columns)),
		vals: make([]any, off+len(p.columns)), off: off}
}

// setText and setInt fill the leading columns.
func (e *pgEncoder) setText(i int, v string) {
	e.slots[i].text = pgtype.Text{String: v, Valid: true}
	e.vals[i] = &e.slots[i].text
}

func (e *pgEncoder) setInt(i int, v int64) {
	e.slots[i].int8 = pgtype.Int8{Int64: v, Valid: true}
	e.vals[i] = &e.slots[i].int8
}

// encode converts a record's fields; it fails on a value that is not in
// canonical form or a reference that does not resolve.
func (e *pgEncoder) encode(r *Record) error {
	for i, f := range e.p.e.Fields {
		j := e.off + i
		v := r.Values[i]
		if v == "" {
			e.vals[j] = nil
			continue
		}
		s := &e.slots[j]
		ok := true
		switch f.Type {
		case format.Int:
			s.int8.Int64, ok = parseInt(v)
			s.int8.Valid, e.vals[j] = true, &s.int8
		case format.Bool:
			s.bool.Bool, ok = parseBool(v)
			s.bool.Valid, e.vals[j] = true, &s.bool
		case format.Date:
			s.date.Time, ok = parseDate(v)
			s.date.Valid, e.vals[j] = true, &s.date
		case format.Datetime:
			s.ts.Time, ok = parseDatetime(v)
			s.ts.Valid, e.vals[j] = true, &s.ts
		case format.Decimal:
			ok = validDecimal(v)
			s.dec, e.vals[j] = decimalText(v), &s.dec
		case format.Ref:
			if e.refIDs == nil {
				e.setText(j, v)
				continue
			}
			id, found := e.refIDs[i][v]
			if !found {
				return fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			e.setInt(j, id)
		default:
			e.setText(j, v)
		}
		if !ok {
			return valueError(r, f, v)
		}
	}
	return nil
}

// decimalText is a canonical decimal, encoded as a binary numeric without
// going through big.Int.
type decimalText string

// decimalCodec is PostgreSQL's numeric codec that also encodes *decimalText.
type decimalCodec struct{ pgtype.NumericCodec }

func (c decimalCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(*decimalText); ok && format == pgtype.BinaryFormatCode {
		return decimalPlan{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

type decimalPlan struct{}

func (decimalPlan) Encode(value any, buf []byte) ([]byte, error) {
	s := string(*value.(*decimalText))
	if !validDecimal(s) {
		return nil, fmt.Errorf("%q is not a canonical decimal", s)
	}
	return appendNumeric(buf, s), nil
}

// appendNumeric appends the binary numeric form of a canonical decimal:
// ndigits, weight, sign, dscale, then base-10000 digits, most significant
// first, without leading or trailing zero digits.
func appendNumeric(buf []byte, s string) []byte {
	sign := uint16(0)
	if strings.HasPrefix(s, "-") {
		sign, s = 0x4000, s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	whole = strings.TrimLeft(whole, "0")
	lead := (4 - len(whole)%4) % 4
	nWhole := (len(whole) + lead) / 4
	var scratch [32]int16
	groups := scratch[:0]
	for g := range nWhole {
		groups = append(groups, group(whole, g*4-lead))
	}
	for g := 0; g*4 < len(frac); g++ {
		groups = append(groups, group(frac, g*4))
	}
	weight := nWhole - 1
	for len(groups) > 0 && groups[0] == 0 {
		groups, weight = groups[1:], weight-1
	}
	for len(groups) > 0 && groups[len(groups)-1] == 0 {
		groups = groups[:len(groups)-1]
	}
	if len(groups) == 0 {
		sign, weight = 0, 0
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(groups)))
	buf = binary.BigEndian.AppendUint16(buf, uint16(int16(weight)))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(frac)))
	for _, d := range groups {
		buf = binary.BigEndian.AppendUint16(buf, uint16(d))
	}
	return buf
}

// group reads the 4 digits of s starting at from; positions outside s
// count as zeros.
func group(s string, from int) int16 {
	var n int16
	for i := from; i < from+4; i++ {
		n *= 10
		if i >= 0 && i < len(s) {
			n += int16(s[i] - '0')
		}
	}
	return n
}
