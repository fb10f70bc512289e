package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// pgChunk bounds the ids or keys one statement takes as an array.
const pgChunk = 50_000

func (x *pgTx) State() *core.DeltaState {
	if x.delta == nil {
		x.delta = core.NewDeltaState()
	}
	return x.delta
}

// loadDelta loads an entity the environment already holds rows of. Its
// bookkeeping is read first (one binary COPY into a bookIndex; book, when
// Skips read it already); each record is fingerprinted and compared with
// it on the client, so that unchanged records cost a hash and a lookup and
// never reach the server. Only new and changed records go through the
// staging table and the merge.
func (x *pgTx) loadDelta(ctx context.Context, p *core.Mapping, book *core.Book, rows load.Batches) (load.Counts, error) {
	if book == nil {
		var err error
		if book, err = x.readBook(ctx, p.Entity.Name); err != nil {
			return load.Counts{}, err
		}
	}
	stale := core.StaleEntries(book)
	next, stop := core.HashAhead(ctx, rows)
	defer stop()
	d := &deltaRows{next: next, p: p, book: book}
	c, err := x.loadMerge(ctx, p, book, d)
	if err != nil {
		return load.Counts{}, err
	}
	c.Unchanged += d.unchanged
	if err := x.storeSkips(ctx, p, d.skipKeys, d.skips); err != nil {
		return load.Counts{}, err
	}
	x.State().Books[p.Entity.Name] = book
	if err := x.restore(ctx, p, core.MetIDs(book, stale)); err != nil {
		return load.Counts{}, err
	}
	return c, nil
}

// deltaRows passes on the new and changed records, counting the unchanged
// ones and marking in book every key it meets.
type deltaRows struct {
	next      func() core.HashedBatch
	p         *core.Mapping
	book      *core.Book
	unchanged int64
	// the unchanged records that bring new skip data
	skipKeys []string
	skips    [][]byte
}

func (d *deltaRows) Next(context.Context) ([]load.Record, error) {
	for {
		b := d.next()
		if b.Err != nil {
			return nil, b.Err
		}
		var out []load.Record
		for i := range b.Records {
			r := &b.Records[i]
			if err := d.p.Check(r); err != nil {
				return nil, err
			}
			key := r.Values[d.p.KeyIndex]
			e, known := d.book.Find(key)
			switch {
			case known && d.book.IsSeen(e):
				return nil, fmt.Errorf("line %d: duplicate key %q", r.Line, key)
			case !known:
				d.book.MarkSeen(d.book.Add(key, core.Fingerprint{}, 0))
				out = append(out, *r)
			case b.FPs[i] == d.book.FPs[e]:
				d.book.MarkSeen(e)
				d.unchanged++
				if r.Skip != nil {
					d.skipKeys = append(d.skipKeys, key)
					d.skips = append(d.skips, r.Skip)
				}
			default:
				d.book.MarkSeen(e)
				out = append(out, *r)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// restore clears removed_at on flagged rows that came back.
func (x *pgTx) restore(ctx context.Context, p *core.Mapping, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	has, err := x.HasRemovedAt(ctx, p)
	if err != nil || !has {
		return err
	}
	q := "UPDATE " + pgQuote(p.Table) + " SET " + core.RemovedAtColumn + " = NULL WHERE " + core.RemovedAtColumn +
		" IS NOT NULL AND " + pgQuote(core.IDColumn) + " = ANY($1)"
	return core.Chunks(ids, pgChunk, func(ids []int64) error {
		if _, err := x.tx.Exec(ctx, q, ids); err != nil {
			return x.t.fail("clear removed_at of "+p.Table, err)
		}
		return nil
	})
}

// Sweep applies e's removal policy to the rows the extraction no longer has.
func (x *pgTx) Sweep(ctx context.Context, e *format.Entity, seen load.Seen) (load.Removal, error) {
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

func (x *pgTx) Book(ctx context.Context, p *core.Mapping) (*core.Book, error) {
	if b, ok := x.State().Books[p.Entity.Name]; ok {
		return b, nil
	}
	return x.readBook(ctx, p.Entity.Name)
}

func (x *pgTx) DeleteRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) error {
	del := "DELETE FROM " + pgQuote(p.Table) + " WHERE " + pgQuote(core.IDColumn) + " = ANY($1)"
	const book = "DELETE FROM handover_rows WHERE entity = $1 AND key = ANY($2)"
	x.forgetRefs(p.Entity.Name) // the ids of deleted keys must no longer resolve
	return core.Chunks(rows, pgChunk, func(rs []core.BookRow) error {
		if _, err := x.tx.Exec(ctx, del, core.IDsOf(rs)); err != nil {
			return x.t.fail("delete from "+p.Table, err)
		}
		if _, err := x.tx.Exec(ctx, book, p.Entity.Name, core.KeysOf(rs)); err != nil {
			return x.t.fail("delete bookkeeping", err)
		}
		return nil
	})
}

func (x *pgTx) FlagRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) ([]core.BookRow, error) {
	if has, err := x.HasRemovedAt(ctx, p); err != nil || !has {
		if err == nil {
			err = fmt.Errorf("table %s has no column %s", p.Table, core.RemovedAtColumn)
		}
		return nil, err
	}
	now := x.t.opts.CurrentTime()
	q := "UPDATE " + pgQuote(p.Table) + " SET " + core.RemovedAtColumn + " = $1 WHERE " + core.RemovedAtColumn +
		" IS NULL AND " + pgQuote(core.IDColumn) + " = ANY($2) RETURNING " + pgQuote(core.IDColumn)
	var flagged []core.BookRow
	err := core.Chunks(rows, pgChunk, func(rs []core.BookRow) error {
		ids, err := x.queryIDs(ctx, q, now, core.IDsOf(rs))
		if err != nil {
			return x.t.fail("flag rows of "+p.Table, err)
		}
		flagged = append(flagged, core.RowsWithIDsOf(rs, ids)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return flagged, x.MarkStale(ctx, p, core.KeysOf(flagged))
}

func (x *pgTx) queryIDs(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := x.tx.Query(ctx, q, args...)
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

func (x *pgTx) RefsTo(ctx context.Context, p *core.Mapping, col string, ids []int64) ([]int64, error) {
	q := "SELECT " + pgQuote(core.IDColumn) + " FROM " + pgQuote(p.Table) + " WHERE " + pgQuote(col) + " = ANY($1)"
	var out []int64
	err := core.Chunks(ids, pgChunk, func(ids []int64) error {
		got, err := x.queryIDs(ctx, q, ids)
		if err != nil {
			return x.t.fail("read references of "+p.Table, err)
		}
		out = append(out, got...)
		return nil
	})
	return out, err
}

func (x *pgTx) MarkStale(ctx context.Context, p *core.Mapping, keys []string) error {
	const q = "UPDATE handover_rows SET fingerprint = $1 WHERE entity = $2 AND key = ANY($3)"
	var zero core.Fingerprint
	return core.Chunks(keys, pgChunk, func(ks []string) error {
		if _, err := x.tx.Exec(ctx, q, zero[:], p.Entity.Name, ks); err != nil {
			return x.t.fail("record bookkeeping", err)
		}
		return nil
	})
}

// removedAtType is the type of p's table's removed_at column, "" when it
// has none.
func (x *pgTx) removedAtType(ctx context.Context, p *core.Mapping) (string, error) {
	const q = `SELECT coalesce((SELECT t.typname::text FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped), '')`
	var typ string
	if err := x.tx.QueryRow(ctx, q, pgQuote(p.Table), core.RemovedAtColumn).Scan(&typ); err != nil {
		return "", x.t.fail("inspect table "+p.Table, err)
	}
	return typ, nil
}

// HasRemovedAt reports whether p's table has the column removed_at.
func (x *pgTx) HasRemovedAt(ctx context.Context, p *core.Mapping) (bool, error) {
	st := x.State()
	if has, ok := st.RemovedAt[p.Entity.Name]; ok {
		return has, nil
	}
	typ, err := x.removedAtType(ctx, p)
	if err != nil {
		return false, err
	}
	st.RemovedAt[p.Entity.Name] = typ != ""
	return typ != "", nil
}

// setupRemovedAt gives the table of every entity with removed: flag its
// removed_at timestamptz column, checking an existing one.
func (x *pgTx) setupRemovedAt(ctx context.Context, ps []*core.Mapping) error {
	for _, p := range ps {
		if core.Policy(p.Entity) != format.RemovedFlag {
			continue
		}
		if err := core.CheckRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		typ, err := x.removedAtType(ctx, p)
		switch {
		case err != nil:
			return fmt.Errorf("begin import: %w", err)
		case typ == "":
			q := "ALTER TABLE " + pgQuote(p.Table) + " ADD COLUMN " + core.RemovedAtColumn + " timestamptz"
			if _, err := x.tx.Exec(ctx, q); err != nil {
				return x.t.fail("begin import: add column "+core.RemovedAtColumn+" to "+p.Table, err)
			}
		case typ != string(kindTimestamptz):
			return &load.SchemaError{Tables: []load.TableMismatch{{Table: p.Table, Problems: []string{
				fmt.Sprintf("column %s is %s, removed: flag needs timestamp with time zone", core.RemovedAtColumn, typ)}}}}
		}
		x.State().RemovedAt[p.Entity.Name] = true
	}
	return nil
}

// pgLiteral quotes s as an SQL string literal.
func pgLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
