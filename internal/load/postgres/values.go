package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// colKind is how a column's values are written in a binary COPY: the
// column's base type (pg_type.typname).
type colKind string

// The base types a loaded column can have (see pgType).
const (
	kindText        colKind = "text"
	kindVarchar     colKind = "varchar"
	kindInt8        colKind = "int8"
	kindInt4        colKind = "int4"
	kindInt2        colKind = "int2"
	kindNumeric     colKind = "numeric"
	kindBool        colKind = "bool"
	kindDate        colKind = "date"
	kindTimestamptz colKind = "timestamptz"
	kindBytea       colKind = "bytea"
)

// pgEpoch is 2000-01-01, where binary dates and timestamps count from.
const (
	pgEpochDays   = 10957
	pgEpochMicros = pgEpochDays * 86400 * 1_000_000
)

// pgRowEncoder appends records in PostgreSQL's binary COPY row format,
// converting each canonical value for its column.
type pgRowEncoder struct {
	p      *core.Mapping
	kinds  []colKind        // per field
	refIDs []*core.RefIndex // per field: a ref's key → target id; nil: refs stay keys
}

// appendFields appends the fields of r (the caller wrote the row header
// and any leading columns).
func (e *pgRowEncoder) appendFields(buf []byte, r *load.Record) ([]byte, error) {
	for i, f := range e.p.Entity.Fields {
		v := r.Values[i]
		if v == "" {
			buf = appendNull(buf)
			continue
		}
		var ok bool
		if f.Type == format.Ref && e.refIDs != nil {
			id, found, err := e.refIDs[i].Find(v)
			if err != nil {
				return nil, err
			}
			if !found {
				return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			buf, ok = appendInt(buf, e.kinds[i], id)
		} else {
			buf, ok = appendValue(buf, e.kinds[i], f.Type, v)
		}
		if !ok {
			return nil, core.ValueError(r, f, v)
		}
	}
	return buf, nil
}

func appendNull(buf []byte) []byte { return binary.BigEndian.AppendUint32(buf, math.MaxUint32) }

// appendValue appends one non-null canonical value of field type t to a
// column of kind k; it reports false when the value is not canonical or
// does not fit the column.
func appendValue(buf []byte, k colKind, t format.Type, v string) ([]byte, bool) {
	switch t {
	case format.Int:
		if k == kindNumeric {
			return appendDecimal(buf, v)
		}
		n, ok := core.ParseInt(v)
		if !ok {
			return buf, false
		}
		return appendInt(buf, k, n)
	case format.Decimal:
		return appendDecimal(buf, v)
	case format.Bool:
		b, ok := core.ParseBool(v)
		var c byte
		if b {
			c = 1
		}
		return append(binary.BigEndian.AppendUint32(buf, 1), c), ok
	case format.Date:
		d, ok := core.ParseDate(v)
		days := d.Unix()/86400 - pgEpochDays
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(buf, 4), uint32(int32(days))), ok
	case format.Datetime:
		ts, ok := core.ParseDatetime(v)
		micros := ts.UnixMicro() - pgEpochMicros
		return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(buf, 8), uint64(micros)), ok
	}
	return appendText(buf, v), true
}

func appendText(buf []byte, v string) []byte {
	return append(binary.BigEndian.AppendUint32(buf, uint32(len(v))), v...)
}

func appendBytes(buf []byte, v []byte) []byte {
	return append(binary.BigEndian.AppendUint32(buf, uint32(len(v))), v...)
}

// appendInt writes n as the column's integer type (or numeric).
func appendInt(buf []byte, k colKind, n int64) ([]byte, bool) {
	switch k {
	case kindInt4:
		if n < math.MinInt32 || n > math.MaxInt32 {
			return buf, false
		}
		return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(buf, 4), uint32(int32(n))), true
	case kindInt2:
		if n < math.MinInt16 || n > math.MaxInt16 {
			return buf, false
		}
		return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint32(buf, 2), uint16(int16(n))), true
	case kindNumeric:
		return appendDecimal(buf, fmt.Sprint(n))
	}
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint32(buf, 8), uint64(n)), true
}

// appendDecimal writes a canonical decimal as a length-prefixed numeric.
func appendDecimal(buf []byte, v string) ([]byte, bool) {
	if !core.ValidDecimal(v) {
		return buf, false
	}
	start := len(buf)
	buf = appendNumeric(binary.BigEndian.AppendUint32(buf, 0), v)
	binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
	return buf, true
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
