package mysql

import (
	"context"
	"database/sql"

	"github.com/handover/handover/internal/format"
)

// UniqueValues streams the values the table holds in a unique field, with
// their rows' keys (load.UniqueValues), in canonical text form.
func (x *tx) UniqueValues(ctx context.Context, e *format.Entity, i int, fn func(value, key string) error) error {
	p, err := x.UniqueField(e, i)
	if err != nil {
		return err
	}
	col := quote(p.Columns[i])
	q := "SELECT " + canonicalExpr(e.Fields[i].Type, col) + ", " + canonicalExpr(e.Fields[p.KeyIndex].Type, quote(p.Columns[p.KeyIndex])) +
		" FROM " + quote(p.Table) + " WHERE " + col + " IS NOT NULL"
	rows, err := x.conn.QueryContext(ctx, q)
	if err != nil {
		return x.t.fail("read unique values of "+p.Table, err)
	}
	defer rows.Close()
	var v, k sql.NullString
	for rows.Next() {
		if err := rows.Scan(&v, &k); err != nil {
			return x.t.fail("read unique values of "+p.Table, err)
		}
		if err := fn(canonicalText(e.Fields[i], v.String), canonicalText(e.Fields[p.KeyIndex], k.String)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return x.t.fail("read unique values of "+p.Table, err)
	}
	return nil
}

// canonicalExpr is the SQL that reads column col of a field of type t as
// text close to the canonical form; canonicalText finishes it.
func canonicalExpr(t format.Type, col string) string {
	switch t {
	case format.Datetime:
		return utc(col)
	case format.Bool:
		return "CASE WHEN " + col + " IS NULL THEN NULL WHEN " + col + " THEN 'true' ELSE 'false' END"
	}
	return col
}

// canonicalText is the canonical text of a value canonicalExpr read.
func canonicalText(f *format.Field, s string) string {
	switch f.Type {
	case format.Datetime:
		return canonicalTime(s)
	case format.Decimal:
		return canonicalDecimal(s, f.Scale)
	}
	return s
}
