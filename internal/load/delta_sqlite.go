package load

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/format"
)

// SQLite takes lists of ids or keys as one JSON array parameter:
// "… IN (SELECT value FROM json_each(?))".
const sqliteInList = " IN (SELECT value FROM json_each(?))"

// sqliteChunk bounds the ids or keys one statement takes.
const sqliteChunk = 50_000

func (x *sqliteTx) state() *deltaState {
	if x.delta == nil {
		x.delta = newDeltaState()
	}
	return x.delta
}

// Sweep applies e's removal policy to the rows the extraction no longer has.
func (x *sqliteTx) Sweep(ctx context.Context, e *format.Entity, seen Seen) (Removal, error) {
	p, err := x.loadable(e)
	if err != nil {
		return Removal{}, err
	}
	r, err := sweep(ctx, x, p, seen)
	if err != nil {
		x.failed = err
		return Removal{}, fmt.Errorf("sweep %s: %w", e.Name, err)
	}
	delete(x.state().books, e.Name)
	return r, nil
}

// afterLoad keeps an entity's bookkeeping for Sweep and clears removed_at
// on the flagged rows that came back: stale are the stale entries of book
// before the load.
func (x *sqliteTx) afterLoad(ctx context.Context, p *plan, book *bookIndex, stale []int) error {
	x.state().books[p.e.Name] = book
	restored := metIDs(book, stale)
	if len(restored) == 0 {
		return nil
	}
	has, err := x.hasRemovedAt(ctx, p)
	if err != nil || !has {
		return err
	}
	q := "UPDATE " + sqliteQuote(p.table) + " SET " + removedAtColumn + " = NULL WHERE " + removedAtColumn +
		" IS NOT NULL AND " + sqliteQuote(idColumn) + sqliteInList
	return chunks(restored, sqliteChunk, func(ids []int64) error {
		return x.execJSON(ctx, "clear removed_at", q, ids)
	})
}

func (x *sqliteTx) book(ctx context.Context, p *plan) (*bookIndex, error) {
	if b, ok := x.state().books[p.e.Name]; ok {
		return b, nil
	}
	return x.bookkeeping(ctx, p.e.Name)
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

func (x *sqliteTx) deleteRows(ctx context.Context, p *plan, rows []bookRow) error {
	del := "DELETE FROM " + sqliteQuote(p.table) + " WHERE " + sqliteQuote(idColumn) + sqliteInList
	book := "DELETE FROM handover_rows WHERE entity = ? AND key" + sqliteInList
	delete(x.cache, p.e.Name) // the ids of deleted keys must no longer resolve
	return chunks(rows, sqliteChunk, func(rs []bookRow) error {
		if err := x.execJSON(ctx, "delete from "+p.table, del, idsOf(rs)); err != nil {
			return err
		}
		return x.execJSON(ctx, "delete bookkeeping", book, keysOf(rs), p.e.Name)
	})
}

func (x *sqliteTx) flagRows(ctx context.Context, p *plan, rows []bookRow) ([]bookRow, error) {
	if has, err := x.hasRemovedAt(ctx, p); err != nil || !has {
		if err == nil {
			err = fmt.Errorf("table %s has no column %s", p.table, removedAtColumn)
		}
		return nil, err
	}
	now := x.t.opts.now().UTC().Truncate(time.Second).Format(time.RFC3339)
	q := "UPDATE " + sqliteQuote(p.table) + " SET " + removedAtColumn + " = ? WHERE " + removedAtColumn +
		" IS NULL AND " + sqliteQuote(idColumn) + sqliteInList + " RETURNING " + sqliteQuote(idColumn)
	var flagged []bookRow
	err := chunks(rows, sqliteChunk, func(rs []bookRow) error {
		ids, err := x.queryIDs(ctx, q, idsOf(rs), now)
		if err != nil {
			return fmt.Errorf("flag rows of %s: %w", p.table, err)
		}
		flagged = append(flagged, rowsWithIDsOf(rs, ids)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return flagged, x.markStale(ctx, p, keysOf(flagged))
}

func (x *sqliteTx) refsTo(ctx context.Context, p *plan, col string, ids []int64) ([]int64, error) {
	q := "SELECT " + sqliteQuote(idColumn) + " FROM " + sqliteQuote(p.table) + " WHERE " + sqliteQuote(col) + sqliteInList
	var out []int64
	err := chunks(ids, sqliteChunk, func(ids []int64) error {
		got, err := x.queryIDs(ctx, q, ids)
		out = append(out, got...)
		return err
	})
	return out, err
}

func (x *sqliteTx) markStale(ctx context.Context, p *plan, keys []string) error {
	q := "UPDATE handover_rows SET fingerprint = ? WHERE entity = ? AND key" + sqliteInList
	var zero fingerprint
	return chunks(keys, sqliteChunk, func(ks []string) error {
		return x.execJSON(ctx, "record bookkeeping", q, ks, zero[:], p.e.Name)
	})
}

// hasRemovedAt reports whether p's table has the column removed_at.
func (x *sqliteTx) hasRemovedAt(ctx context.Context, p *plan) (bool, error) {
	st := x.state()
	if has, ok := st.removedAt[p.e.Name]; ok {
		return has, nil
	}
	cols, err := x.tableInfo(ctx, p.table)
	if err != nil {
		return false, fmt.Errorf("inspect table %s: %w", p.table, err)
	}
	has := false
	for _, c := range cols {
		has = has || strings.EqualFold(c.name, removedAtColumn)
	}
	st.removedAt[p.e.Name] = has
	return has, nil
}

// setupRemovedAt gives the table of every entity with removed: flag its
// removed_at column (ISO-8601 text), checking an existing one.
func (x *sqliteTx) setupRemovedAt(ctx context.Context, ps []*plan) error {
	for _, p := range ps {
		if policy(p.e) != format.RemovedFlag {
			continue
		}
		if err := checkRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		cols, err := x.tableInfo(ctx, p.table)
		if err != nil {
			return fmt.Errorf("begin import: inspect table %s: %w", p.table, err)
		}
		found := false
		for _, c := range cols {
			if !strings.EqualFold(c.name, removedAtColumn) {
				continue
			}
			found = true
			if a := sqliteAffinity(c.declared); a != "TEXT" && a != "BLOB" {
				return &SchemaError{Tables: []TableMismatch{{Table: p.table, Problems: []string{
					fmt.Sprintf("column %s is %s, removed: flag needs TEXT", c.name, declaredName(c.declared))}}}}
			}
		}
		if !found {
			q := "ALTER TABLE " + sqliteQuote(p.table) + " ADD COLUMN " + removedAtColumn + " TEXT"
			if _, err := x.tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("begin import: add column %s to %s: %w", removedAtColumn, p.table, err)
			}
		}
		x.state().removedAt[p.e.Name] = true
	}
	return nil
}
