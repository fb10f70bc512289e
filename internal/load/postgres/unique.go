package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/format"
)

// UniqueValues streams the values the table holds in a unique field, with
// their rows' keys (load.UniqueValues).
func (x *pgTx) UniqueValues(ctx context.Context, e *format.Entity, i int, fn func(value, key string) error) error {
	p, err := x.UniqueField(e, i)
	if err != nil {
		return err
	}
	col := pgQuote(p.Columns[i])
	q := "SELECT " + pgCanonical(e.Fields[i].Type, col) + ", " + pgCanonical(e.Fields[p.KeyIndex].Type, pgQuote(p.Columns[p.KeyIndex])) +
		" FROM " + pgQuote(p.Table) + " WHERE " + col + " IS NOT NULL"
	rows, err := x.tx.Query(ctx, q)
	if err != nil {
		return x.t.fail("read unique values of "+p.Table, err)
	}
	var v, k string
	if _, err := pgx.ForEachRow(rows, []any{&v, &k}, func() error { return fn(v, k) }); err != nil {
		return x.t.fail("read unique values of "+p.Table, err)
	}
	return nil
}
