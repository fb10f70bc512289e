package sqlite

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// SQLite takes lists of ids or keys as one JSON array parameter:
// "… IN (SELECT value FROM json_each(?))".
const sqliteInList = " IN (SELECT value FROM json_each(?))"

// sqliteChunk bounds the ids or keys one statement takes.
const sqliteChunk = 50_000

func (x *sqliteTx) State() *core.DeltaState {
	if x.delta == nil {
		x.delta = core.NewDeltaState()
	}
	return x.delta
}

// Sweep applies e's removal policy to the rows the extraction no longer has.
func (x *sqliteTx) Sweep(ctx context.Context, e *format.Entity, seen load.Seen) (load.Removal, error) {
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
// on the flagged rows that came back: stale are the stale entries of book
// before the load.
func (x *sqliteTx) afterLoad(ctx context.Context, p *core.Mapping, book *core.Book, stale []int) error {
	x.State().Books[p.Entity.Name] = book
	restored := core.MetIDs(book, stale)
	if len(restored) == 0 {
		return nil
	}
	has, err := x.HasRemovedAt(ctx, p)
	if err != nil || !has {
		return err
	}
	q := "UPDATE " + sqliteQuote(p.Table) + " SET " + core.RemovedAtColumn + " = NULL WHERE " + core.RemovedAtColumn +
		" IS NOT NULL AND " + sqliteQuote(core.IDColumn) + sqliteInList
	return core.Chunks(restored, sqliteChunk, func(ids []int64) error {
		return x.execJSON(ctx, "clear removed_at", q, ids)
	})
}

func (x *sqliteTx) Book(ctx context.Context, p *core.Mapping) (*core.Book, error) {
	if b, ok := x.State().Books[p.Entity.Name]; ok {
		return b, nil
	}
	return x.bookkeeping(ctx, p.Entity.Name)
}

// execJSON runs q with list as its last parameter, a JSON array.
func (x *sqliteTx) execJSON(ctx context.Context, doing, q string, list any, args ...any) error {
	b, err := json.Marshal(list)
	if err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	if _, err := x.tx.ExecContext(ctx, q, append(args, string(b))...); err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	return nil
}

// queryIDs runs q with list as its last parameter and returns the ids it
// selects.
func (x *sqliteTx) queryIDs(ctx context.Context, q string, list any, args ...any) ([]int64, error) {
	b, err := json.Marshal(list)
	if err != nil {
		return nil, err
	}
	rows, err := x.tx.QueryContext(ctx, q, append(args, string(b))...)
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

func (x *sqliteTx) DeleteRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) error {
	del := "DELETE FROM " + sqliteQuote(p.Table) + " WHERE " + sqliteQuote(core.IDColumn) + sqliteInList
	book := "DELETE FROM handover_rows WHERE entity = ? AND key" + sqliteInList
	delete(x.cache, p.Entity.Name) // the ids of deleted keys must no longer resolve
	return core.Chunks(rows, sqliteChunk, func(rs []core.BookRow) error {
		if err := x.execJSON(ctx, "delete from "+p.Table, del, core.IDsOf(rs)); err != nil {
			return err
		}
		return x.execJSON(ctx, "delete bookkeeping", book, core.KeysOf(rs), p.Entity.Name)
	})
}

func (x *sqliteTx) FlagRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) ([]core.BookRow, error) {
	if has, err := x.HasRemovedAt(ctx, p); err != nil || !has {
		if err == nil {
			err = fmt.Errorf("table %s has no column %s", p.Table, core.RemovedAtColumn)
		}
		return nil, err
	}
	now := x.t.opts.CurrentTime().UTC().Truncate(time.Second).Format(time.RFC3339)
	q := "UPDATE " + sqliteQuote(p.Table) + " SET " + core.RemovedAtColumn + " = ? WHERE " + core.RemovedAtColumn +
		" IS NULL AND " + sqliteQuote(core.IDColumn) + sqliteInList + " RETURNING " + sqliteQuote(core.IDColumn)
	var flagged []core.BookRow
	err := core.Chunks(rows, sqliteChunk, func(rs []core.BookRow) error {
		ids, err := x.queryIDs(ctx, q, core.IDsOf(rs), now)
		if err != nil {
			return fmt.Errorf("flag rows of %s: %w", p.Table, err)
		}
		flagged = append(flagged, core.RowsWithIDsOf(rs, ids)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return flagged, x.MarkStale(ctx, p, core.KeysOf(flagged))
}

func (x *sqliteTx) RefsTo(ctx context.Context, p *core.Mapping, col string, ids []int64) ([]int64, error) {
	q := "SELECT " + sqliteQuote(core.IDColumn) + " FROM " + sqliteQuote(p.Table) + " WHERE " + sqliteQuote(col) + sqliteInList
	var out []int64
	err := core.Chunks(ids, sqliteChunk, func(ids []int64) error {
		got, err := x.queryIDs(ctx, q, ids)
		out = append(out, got...)
		return err
	})
	return out, err
}

func (x *sqliteTx) MarkStale(ctx context.Context, p *core.Mapping, keys []string) error {
	q := "UPDATE handover_rows SET fingerprint = ? WHERE entity = ? AND key" + sqliteInList
	var zero core.Fingerprint
	return core.Chunks(keys, sqliteChunk, func(ks []string) error {
		return x.execJSON(ctx, "record bookkeeping", q, ks, zero[:], p.Entity.Name)
	})
}

// HasRemovedAt reports whether p's table has the column removed_at.
func (x *sqliteTx) HasRemovedAt(ctx context.Context, p *core.Mapping) (bool, error) {
	st := x.State()
	if has, ok := st.RemovedAt[p.Entity.Name]; ok {
		return has, nil
	}
	cols, err := x.tableInfo(ctx, p.Table)
	if err != nil {
		return false, fmt.Errorf("inspect table %s: %w", p.Table, err)
	}
	has := false
	for _, c := range cols {
		has = has || strings.EqualFold(c.name, core.RemovedAtColumn)
	}
	st.RemovedAt[p.Entity.Name] = has
	return has, nil
}

// setupRemovedAt gives the table of every entity with removed: flag its
// removed_at column (ISO-8601 text), checking an existing one.
func (x *sqliteTx) setupRemovedAt(ctx context.Context, ps []*core.Mapping) error {
	for _, p := range ps {
		if core.Policy(p.Entity) != format.RemovedFlag {
			continue
		}
		if err := core.CheckRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		cols, err := x.tableInfo(ctx, p.Table)
		if err != nil {
			return fmt.Errorf("begin import: inspect table %s: %w", p.Table, err)
		}
		found := false
		for _, c := range cols {
			if !strings.EqualFold(c.name, core.RemovedAtColumn) {
				continue
			}
			found = true
			if a := sqliteAffinity(c.declared); a != "TEXT" && a != "BLOB" {
				return &load.SchemaError{Tables: []load.TableMismatch{{Table: p.Table, Problems: []string{
					fmt.Sprintf("column %s is %s, removed: flag needs TEXT", c.name, declaredName(c.declared))}}}}
			}
		}
		if !found {
			q := "ALTER TABLE " + sqliteQuote(p.Table) + " ADD COLUMN " + core.RemovedAtColumn + " TEXT"
			if _, err := x.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("begin import: add column %s to %s: %w", core.RemovedAtColumn, p.Table, err)
			}
		}
		x.State().RemovedAt[p.Entity.Name] = true
	}
	return nil
}
