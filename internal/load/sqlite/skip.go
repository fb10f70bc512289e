package sqlite

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/load"
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

// Skips hands into every bookkeeping entry of entity that holds skip
// data. The entries are read once: the bookkeeping the entity's Load then
// needs is kept from the same pass.
func (x *sqliteTx) Skips(ctx context.Context, entity string, into load.SkipSink) error {
	_, cached := x.cache[entity]
	b, err := x.readBook(ctx, entity, !cached, into)
	if err != nil {
		return err
	}
	if b != nil {
		b.Compact()
		x.cache[entity] = b // for the entity's Load (bookkeeping)
		x.State().SkipBooks[entity] = b
	}
	return nil
}
