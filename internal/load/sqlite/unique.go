package sqlite

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/format"
)

// UniqueValues streams the values the table holds in a unique field, with
// their rows' keys (load.UniqueValues).
func (x *sqliteTx) UniqueValues(ctx context.Context, e *format.Entity, i int, fn func(value, key string) error) error {
	p, err := x.UniqueField(e, i)
	if err != nil {
		return err
	}
	col := sqliteQuote(p.Columns[i])
	q := "SELECT " + col + ", " + sqliteQuote(p.Columns[p.KeyIndex]) + " FROM " + sqliteQuote(p.Table) + " WHERE " + col + " IS NOT NULL"
	rows, err := x.tx.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("read unique values of %s: %w", p.Table, err)
	}
	defer rows.Close()
	var v, k any
	for rows.Next() {
		if err := rows.Scan(&v, &k); err != nil {
			return fmt.Errorf("read unique values of %s: %w", p.Table, err)
		}
		if err := fn(sqliteCanonical(e.Fields[i].Type, v), sqliteCanonical(e.Fields[p.KeyIndex].Type, k)); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read unique values of %s: %w", p.Table, err)
	}
	return nil
}
