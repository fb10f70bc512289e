package sqlite

import (
	"context"
	"fmt"
	"strconv"
	"unsafe"

	"github.com/handover/handover/internal/format"
)

// UniqueValues streams the values the table holds in a unique field, with
// their rows' keys (load.UniqueValues), read through the C API: the
// strings share SQLite's memory, valid during fn's call only.
func (x *sqliteTx) UniqueValues(ctx context.Context, e *format.Entity, i int, fn func(value, key string) error) error {
	p, err := x.UniqueField(e, i)
	if err != nil {
		return err
	}
	col := sqliteQuote(p.Columns[i])
	q := "SELECT " + col + ", " + sqliteQuote(p.Columns[p.KeyIndex]) + " FROM " + sqliteQuote(p.Table) + " WHERE " + col + " IS NOT NULL"
	var vbuf, kbuf []byte
	vt, kt := e.Fields[i].Type, e.Fields[p.KeyIndex].Type
	err = x.cQuery(ctx, q, nil, func(r cRow) error {
		var v, k string
		v, vbuf = canonical(r.col(0), vt, vbuf)
		k, kbuf = canonical(r.col(1), kt, kbuf)
		return fn(v, k)
	})
	if err != nil {
		return fmt.Errorf("read unique values of %s: %w", p.Table, err)
	}
	return nil
}

// canonical is v in canonical text form as sqliteCanonical gives it,
// converted in buf when it is a number; the string shares SQLite's memory
// or buf, valid until the next step.
func canonical(v cValue, t format.Type, buf []byte) (string, []byte) {
	var b []byte
	switch v.kind() {
	case sqliteNull:
		return "", buf
	case sqliteInteger:
		n := v.int64()
		if t == format.Bool {
			buf = strconv.AppendBool(buf[:0], n != 0)
		} else {
			buf = strconv.AppendInt(buf[:0], n, 10)
		}
		b = buf
	case sqliteFloat:
		buf = strconv.AppendFloat(buf[:0], v.float(), 'f', -1, 64)
		b = buf
	default: // text, blob
		b = v.bytes()
	}
	if len(b) == 0 {
		return "", buf
	}
	return unsafe.String(&b[0], len(b)), buf
}
