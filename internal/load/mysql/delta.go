package mysql

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// listChunk bounds the ids or keys one statement takes.
const listChunk = 1000

// in is " IN (?, ?, …)" for n values (n > 0; none: " IN (NULL)", which
// holds for no row).
func in(n int) string {
	if n <= 0 {
		return " IN (NULL)"
	}
	return " IN (" + strings.Repeat("?, ", n-1) + "?)"
}

func anys[T any](s []T) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// Sweep applies e's removal policy to the rows the extraction no longer has.
func (x *tx) Sweep(ctx context.Context, e *format.Entity, seen load.Seen) (load.Removal, error) {
	p, err := x.Loadable(e)
	if err != nil {
		return load.Removal{}, err
	}
	r, err := core.Sweep(ctx, x, p, seen)
	if err != nil {
		x.Failed = err
		return load.Removal{}, fmt.Errorf("sweep %s: %w", e.Name, err)
	}
	delete(x.State().Books, e.Name)
	return r, nil
}

// afterLoad keeps an entity's bookkeeping for Sweep and clears removed_at
// on the flagged rows that came back.
func (x *tx) afterLoad(ctx context.Context, p *core.Mapping, book *core.Book, stale []int) error {
	x.State().Books[p.Entity.Name] = book
	restored := core.MetIDs(book, stale)
	if len(restored) == 0 {
		return nil
	}
	has, err := x.HasRemovedAt(ctx, p)
	if err != nil || !has {
		return err
	}
	return core.Chunks(restored, listChunk, func(ids []int64) error {
		q := "UPDATE " + quote(p.Table) + " SET " + quote(core.RemovedAtColumn) + " = NULL WHERE " + quote(core.IDColumn) + in(len(ids))
		return x.exec(ctx, "clear removed_at", q, anys(ids)...)
	})
}

// Book returns the bookkeeping Load left for p's entity, or reads it.
func (x *tx) Book(ctx context.Context, p *core.Mapping) (*core.Book, error) {
	if b, ok := x.State().Books[p.Entity.Name]; ok {
		return b, nil
	}
	return x.bookkeeping(ctx, p.Entity.Name)
}

// queryIDs returns the ids q selects.
func (x *tx) queryIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := x.conn.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// DeleteRows deletes the target rows and their bookkeeping.
func (x *tx) DeleteRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) error {
	delete(x.cache, p.Entity.Name) // the ids of deleted keys must no longer resolve
	return core.Chunks(rows, listChunk, func(rs []core.BookRow) error {
		del := "DELETE FROM " + quote(p.Table) + " WHERE " + quote(core.IDColumn) + in(len(rs))
		if err := x.exec(ctx, "delete from "+p.Table, del, anys(core.IDsOf(rs))...); err != nil {
			return err
		}
		book := "DELETE FROM handover_rows WHERE entity = ? AND `key`" + in(len(rs))
		return x.exec(ctx, "delete bookkeeping", book, append([]any{p.Entity.Name}, anys(core.KeysOf(rs))...)...)
	})
}

// FlagRows sets removed_at on the rows not flagged yet and marks their
// bookkeeping stale.
func (x *tx) FlagRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) ([]core.BookRow, error) {
	if has, err := x.HasRemovedAt(ctx, p); err != nil || !has {
		if err == nil {
			err = fmt.Errorf("table %s has no column %s", p.Table, core.RemovedAtColumn)
		}
		return nil, err
	}
	now := x.t.opts.CurrentTime().UTC().Truncate(time.Second).Format("2006-01-02 15:04:05")
	var flagged []core.BookRow
	err := core.Chunks(rows, listChunk, func(rs []core.BookRow) error {
		where := " WHERE " + quote(core.RemovedAtColumn) + " IS NULL AND " + quote(core.IDColumn) + in(len(rs))
		ids, err := x.queryIDs(ctx, "SELECT "+quote(core.IDColumn)+" FROM "+quote(p.Table)+where+" FOR UPDATE", anys(core.IDsOf(rs))...)
		if err != nil {
			return x.t.fail("flag rows of "+p.Table, err)
		}
		if len(ids) == 0 {
			return nil
		}
		q := "UPDATE " + quote(p.Table) + " SET " + quote(core.RemovedAtColumn) + " = ? WHERE " + quote(core.IDColumn) + in(len(ids))
		if err := x.exec(ctx, "flag rows of "+p.Table, q, append([]any{now}, anys(ids)...)...); err != nil {
			return err
		}
		flagged = append(flagged, core.RowsWithIDsOf(rs, ids)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return flagged, x.MarkStale(ctx, p, core.KeysOf(flagged))
}

// RefsTo returns the ids of p's rows whose column col holds one of ids.
func (x *tx) RefsTo(ctx context.Context, p *core.Mapping, col string, ids []int64) ([]int64, error) {
	var out []int64
	err := core.Chunks(ids, listChunk, func(ids []int64) error {
		q := "SELECT " + quote(core.IDColumn) + " FROM " + quote(p.Table) + " WHERE " + quote(col) + in(len(ids))
		got, err := x.queryIDs(ctx, q, anys(ids)...)
		out = append(out, got...)
		return err
	})
	if err != nil {
		return nil, x.t.fail("read references", err)
	}
	return out, nil
}

// MarkStale zeroes the fingerprints of keys.
func (x *tx) MarkStale(ctx context.Context, p *core.Mapping, keys []string) error {
	var zero core.Fingerprint
	return core.Chunks(keys, listChunk, func(ks []string) error {
		q := "UPDATE handover_rows SET fingerprint = ? WHERE entity = ? AND `key`" + in(len(ks))
		return x.exec(ctx, "record bookkeeping", q, append([]any{zero[:], p.Entity.Name}, anys(ks)...)...)
	})
}

// HasRemovedAt reports whether p's table has the column removed_at.
func (x *tx) HasRemovedAt(ctx context.Context, p *core.Mapping) (bool, error) {
	st := x.State()
	if has, ok := st.RemovedAt[p.Entity.Name]; ok {
		return has, nil
	}
	cols, err := x.tableColumns(ctx, p.Table)
	if err != nil {
		return false, err
	}
	_, has := findColumn(cols, core.RemovedAtColumn)
	st.RemovedAt[p.Entity.Name] = has
	return has, nil
}
