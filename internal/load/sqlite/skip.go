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
// data. The entries are read once: the bookkeeping the entity's Load then
// needs is kept from the same pass.
func (x *sqliteTx) Skips(ctx context.Context, entity string, fn func(key string, fp, skip []byte) error) error {
	_, cached := x.cache[entity]
	q := "SELECT key, target_id, fingerprint, " + core.SkipColumn + " FROM handover_rows WHERE entity = ?"
	if cached {
		q += " AND " + core.SkipColumn + " IS NOT NULL"
	}
	rows, err := x.tx.QueryContext(ctx, q, entity)
	if err != nil {
		return fmt.Errorf("read skip data of %s: %w", entity, err)
	}
	defer rows.Close()
	b := core.NewBook()
	var k, fp, skip sql.RawBytes
	var id int64
	for rows.Next() {
		if err := rows.Scan(&k, &id, &fp, &skip); err != nil {
			return fmt.Errorf("read skip data of %s: %w", entity, err)
		}
		if len(fp) != len(core.Fingerprint{}) {
			return fmt.Errorf("read bookkeeping of %s: key %q has a fingerprint of %d bytes", entity, k, len(fp))
		}
		key := string(k)
		if !cached {
			b.Add(key, core.Fingerprint(fp), id)
		}
		if skip == nil {
			continue
		}
		if err := fn(key, fp, skip); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read skip data of %s: %w", entity, err)
	}
	if !cached {
		b.Compact()
		x.cache[entity] = b // for the entity's Load (bookkeeping)
	}
	return nil
}
