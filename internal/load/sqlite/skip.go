package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/handover/handover/internal/load/internal/core"
)

// setupSkip gives handover_rows its skip column (load.SkipReader), in a
// database whose bookkeeping predates it too.
func (x *sqliteTx) setupSkip(ctx context.Context) error {
	var n int
	q := "SELECT count(*) FROM pragma_table_info('handover_rows') WHERE name = '" + core.SkipColumn + "'"
	if err := x.tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return fmt.Errorf("begin import: inspect bookkeeping: %w", err)
	}
	if n > 0 {
		return nil
	}
	if _, err := x.tx.ExecContext(ctx, "ALTER TABLE handover_rows ADD COLUMN "+core.SkipColumn+" BLOB"); err != nil {
		return fmt.Errorf("begin import: add column %s to handover_rows: %w", core.SkipColumn, err)
	}
	return nil
}

// Skips calls fn with every bookkeeping entry of entity that holds skip
// data.
func (x *sqliteTx) Skips(ctx context.Context, entity string, fn func(key string, fp, skip []byte) error) error {
	q := "SELECT key, fingerprint, " + core.SkipColumn + " FROM handover_rows WHERE entity = ? AND " + core.SkipColumn + " IS NOT NULL"
	rows, err := x.tx.QueryContext(ctx, q, entity)
	if err != nil {
		return fmt.Errorf("read skip data of %s: %w", entity, err)
	}
	defer rows.Close()
	var k, fp, skip sql.RawBytes
	for rows.Next() {
		if err := rows.Scan(&k, &fp, &skip); err != nil {
			return fmt.Errorf("read skip data of %s: %w", entity, err)
		}
		if err := fn(string(k), fp, skip); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read skip data of %s: %w", entity, err)
	}
	return nil
}
