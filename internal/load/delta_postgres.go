package load

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
)

// pgChunk bounds the ids or keys one statement takes as an array.
const pgChunk = 50_000

func (x *pgTx) state() *deltaState {
	if x.delta == nil {
		x.delta = newDeltaState()
	}
	return x.delta
}

// loadDelta loads an entity the environment already holds rows of. Its
// bookkeeping is read first (one binary COPY into a bookIndex); each record
// is fingerprinted and compared with it on the client, so that unchanged
// records cost a hash and a lookup and never reach the server. Only new and
// changed records go through the staging table and the merge.
func (x *pgTx) loadDelta(ctx context.Context, p *plan, rows Batches) (Counts, error) {
	book, err := x.readBook(ctx, p.e.Name)
	if err != nil {
		return Counts{}, err
	}
	stale := staleEntries(book)
	next, stop := hashAhead(ctx, rows)
	defer stop()
	d := &deltaRows{next: next, p: p, book: book}
	c, err := x.loadMerge(ctx, p, d)
	if err != nil {
		return Counts{}, err
	}
	c.Unchanged += d.unchanged
	x.state().books[p.e.Name] = book
	if err := x.restore(ctx, p, metIDs(book, stale)); err != nil {
		return Counts{}, err
	}
	return c, nil
}

// deltaRows passes on the new and changed records, counting the unchanged
// ones and marking in book every key it meets.
type deltaRows struct {
	next      func() hashedBatch
	p         *plan
	book      *bookIndex
	unchanged int64
}

func (d *deltaRows) Next(context.Context) ([]Record, error) {
	for {
		b := d.next()
		if b.err != nil {
			return nil, b.err
		}
		var out []Record
		for i := range b.records {
			r := &b.records[i]
			if err := d.p.check(r); err != nil {
				return nil, err
			}
			key := r.Values[d.p.key]
			e, known := d.book.find(key)
			switch {
			case known && d.book.isSeen(e):
				return nil, fmt.Errorf("line %d: duplicate key %q", r.Line, key)
			case !known:
				d.book.markSeen(d.book.add(key, fingerprint{}, 0))
				out = append(out, *r)
			case b.fps[i] == d.book.fps[e]:
				d.book.markSeen(e)
				d.unchanged++
			default:
				d.book.markSeen(e)
				out = append(out, *r)
			}
		}
		if len(out) > 0 {
			return out, nil
		}
	}
}

// restore clears removed_at on flagged rows that came back.
func (x *pgTx) restore(ctx context.Context, p *plan, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	has, err := x.hasRemovedAt(ctx, p)
	if err != nil || !has {
		return err
	}
	q := "UPDATE " + pgQuote(p.table) + " SET " + removedAtColumn + " = NULL WHERE " + removedAtColumn +
		" IS NOT NULL AND " + pgQuote(idColumn) + " = ANY($1)"
	return chunks(ids, pgChunk, func(ids []int64) error {
		if _, err := x.tx.Exec(ctx, q, ids); err != nil {
			return x.t.fail("clear removed_at of "+p.table, err)
		}
		return nil
	})
}

// Sweep applies e's removal policy to the rows the extraction no longer has.
func (x *pgTx) Sweep(ctx context.Context, e *format.Entity, seen Seen) (Removal, error) {
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

func (x *pgTx) book(ctx context.Context, p *plan) (*bookIndex, error) {
	if b, ok := x.state().books[p.e.Name]; ok {
		return b, nil
	}
	return x.readBook(ctx, p.e.Name)
}

func (x *pgTx) deleteRows(ctx context.Context, p *plan, rows []bookRow) error {
	del := "DELETE FROM " + pgQuote(p.table) + " WHERE " + pgQuote(idColumn) + " = ANY($1)"
	const book = "DELETE FROM handover_rows WHERE entity = $1 AND key = ANY($2)"
	delete(x.refs, p.e.Name) // the ids of deleted keys must no longer resolve
	return chunks(rows, pgChunk, func(rs []bookRow) error {
		if _, err := x.tx.Exec(ctx, del, idsOf(rs)); err != nil {
			return x.t.fail("delete from "+p.table, err)
		}
		if _, err := x.tx.Exec(ctx, book, p.e.Name, keysOf(rs)); err != nil {
			return x.t.fail("delete bookkeeping", err)
		}
		return nil
	})
}

func (x *pgTx) flagRows(ctx context.Context, p *plan, rows []bookRow) ([]bookRow, error) {
	if has, err := x.hasRemovedAt(ctx, p); err != nil || !has {
		if err == nil {
			err = fmt.Errorf("table %s has no column %s", p.table, removedAtColumn)
		}
		return nil, err
	}
	now := x.t.opts.now()
	q := "UPDATE " + pgQuote(p.table) + " SET " + removedAtColumn + " = $1 WHERE " + removedAtColumn +
		" IS NULL AND " + pgQuote(idColumn) + " = ANY($2) RETURNING " + pgQuote(idColumn)
	var flagged []bookRow
	err := chunks(rows, pgChunk, func(rs []bookRow) error {
		ids, err := x.queryIDs(ctx, q, now, idsOf(rs))
		if err != nil {
			return x.t.fail("flag rows of "+p.table, err)
		}
		flagged = append(flagged, rowsWithIDsOf(rs, ids)...)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return flagged, x.markStale(ctx, p, keysOf(flagged))
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

func (x *pgTx) refsTo(ctx context.Context, p *plan, col string, ids []int64) ([]int64, error) {
	q := "SELECT " + pgQuote(idColumn) + " FROM " + pgQuote(p.table) + " WHERE " + pgQuote(col) + " = ANY($1)"
	var out []int64
	err := chunks(ids, pgChunk, func(ids []int64) error {
		got, err := x.queryIDs(ctx, q, ids)
		if err != nil {
			return x.t.fail("read references of "+p.table, err)
		}
		out = append(out, got...)
		return nil
	})
	return out, err
}

func (x *pgTx) markStale(ctx context.Context, p *plan, keys []string) error {
	const q = "UPDATE handover_rows SET fingerprint = $1 WHERE entity = $2 AND key = ANY($3)"
	var zero fingerprint
	return chunks(keys, pgChunk, func(ks []string) error {
		if _, err := x.tx.Exec(ctx, q, zero[:], p.e.Name, ks); err != nil {
			return x.t.fail("record bookkeeping", err)
		}
		return nil
	})
}

// removedAtType is the type of p's table's removed_at column, "" when it
// has none.
func (x *pgTx) removedAtType(ctx context.Context, p *plan) (string, error) {
	const q = `SELECT coalesce((SELECT t.typname::text FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
		WHERE a.attrelid = to_regclass($1) AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped), '')`
	var typ string
	if err := x.tx.QueryRow(ctx, q, pgQuote(p.table), removedAtColumn).Scan(&typ); err != nil {
		return "", x.t.fail("inspect table "+p.table, err)
	}
	return typ, nil
}

// hasRemovedAt reports whether p's table has the column removed_at.
func (x *pgTx) hasRemovedAt(ctx context.Context, p *plan) (bool, error) {
	st := x.state()
	if has, ok := st.removedAt[p.e.Name]; ok {
		return has, nil
	}
	typ, err := x.removedAtType(ctx, p)
	if err != nil {
		return false, err
	}
	st.removedAt[p.e.Name] = typ != ""
	return typ != "", nil
}

// setupRemovedAt gives the table of every entity with removed: flag its
// removed_at timestamptz column, checking an existing one.
func (x *pgTx) setupRemovedAt(ctx context.Context, ps []*plan) error {
	for _, p := range ps {
		if policy(p.e) != format.RemovedFlag {
			continue
		}
		if err := checkRemovedAtName(p); err != nil {
			return fmt.Errorf("begin import: %w", err)
		}
		typ, err := x.removedAtType(ctx, p)
		switch {
		case err != nil:
			return fmt.Errorf("begin import: %w", err)
		case typ == "":
			q := "ALTER TABLE " + pgQuote(p.table) + " ADD COLUMN " + removedAtColumn + " timestamptz"
			if _, err := x.tx.Exec(ctx, q); err != nil {
				return x.t.fail("begin import: add column "+removedAtColumn+" to "+p.table, err)
			}
		case typ != string(kindTimestamptz):
			return &SchemaError{Tables: []TableMismatch{{Table: p.table, Problems: []string{
				fmt.Sprintf("column %s is %s, removed: flag needs timestamp with time zone", removedAtColumn, typ)}}}}
		}
		x.state().removedAt[p.e.Name] = true
	}
	return nil
}

// pgLiteral quotes s as an SQL string literal.
func pgLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
