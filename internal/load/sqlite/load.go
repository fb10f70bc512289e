package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// Load upserts one entity's records: new keys are inserted, changed ones
// updated in place, unchanged ones not touched at all.
func (x *sqliteTx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	p, err := x.Loadable(e)
	if err != nil {
		return load.Counts{}, err
	}
	c, err := x.load(ctx, p, rows)
	if err != nil {
		x.Failed = err
		return load.Counts{}, fmt.Errorf("load %s: %w", e.Name, err)
	}
	return c, nil
}

func (x *sqliteTx) load(ctx context.Context, p *core.Mapping, rows load.Batches) (load.Counts, error) {
	book, err := x.bookkeeping(ctx, p.Entity.Name)
	if err != nil {
		return load.Counts{}, err
	}
	stale := core.StaleEntries(book) // delta.go
	refs, err := x.refMaps(ctx, p)
	if err != nil {
		return load.Counts{}, err
	}
	nextID, err := x.nextID(ctx, p.Table)
	if err != nil {
		return load.Counts{}, err
	}
	fix, err := x.RowFixer(ctx, p, book, x.refBook)
	if err != nil {
		return load.Counts{}, err
	}
	if fix != nil {
		var empty bool
		if err := x.tx.QueryRowContext(ctx, "SELECT NOT EXISTS (SELECT 1 FROM "+sqliteQuote(p.Table)+")").Scan(&empty); err != nil {
			return load.Counts{}, fmt.Errorf("read %s: %w", p.Table, err)
		}
		if empty {
			fix.WritesWholeTable() // every row goes through fix, held ones too
		}
	}
	var c load.Counts
	err = x.tx.Raw(func(dc any) error {
		w, err := newSQLiteWriter(dc, p, refs)
		if err != nil {
			return err
		}
		defer w.close()
		c, err = x.write(ctx, w, p, book, nextID, fix, rows)
		return err
	})
	if err != nil {
		return load.Counts{}, err
	}
	if err := x.afterLoad(ctx, p, book, stale); err != nil {
		return load.Counts{}, err
	}
	load.AfterCopy(ctx, p.Entity.Name)
	if x.referenced[p.Entity.Name] {
		x.cache[p.Entity.Name] = book
	} else {
		delete(x.cache, p.Entity.Name) // read by Skips for this load only
	}
	return c, nil
}

// bookkeeping returns an entity's bookkeeping, with every entry unseen.
func (x *sqliteTx) bookkeeping(ctx context.Context, entity string) (*core.Book, error) {
	if b, ok := x.cache[entity]; ok {
		b.Unsee()
		return b, nil
	}
	return x.readBook(ctx, entity, true, nil)
}

// readBook reads entity's bookkeeping in one pass and, when skip is not
// nil, hands it every entry that holds skip data (Skips), with its place
// in the book. With book false it reads only those entries and returns no
// book (the places are -1). It counts the entries first, so that the book
// and the skip sink allocate their arrays once (the count costs a third
// of what stepping through the entries does; growing the arrays cost
// more, and the copies that gave back the room they grew into doubled
// them at once).
func (x *sqliteTx) readBook(ctx context.Context, entity string, book bool, skip load.SkipSink) (*core.Book, error) {
	doing, cols := "read bookkeeping of", "key, target_id, fingerprint, NULL"
	if skip != nil {
		doing, cols = "read skip data of", "key, target_id, fingerprint, "+core.SkipColumn
	}
	where := " FROM handover_rows WHERE entity = ?"
	if !book {
		where += " AND " + core.SkipColumn + " IS NOT NULL"
	}
	args := []sqlArg{textArg(entity)}
	var n int64
	err := x.cQuery(ctx, "SELECT count(*)"+where, args, func(r cRow) error { n = r.int64(0); return nil })
	if err != nil {
		return nil, fmt.Errorf("%s %s: count: %w", doing, entity, err)
	}
	var b *core.Book
	if book {
		b = core.NewSizedBook(n, 0) // the keys' bytes: estimated from the first keys
	}
	if skip != nil {
		skip.Expect(int(n)) // all of them, at most, hold skip data
	}
	err = x.cQuery(ctx, "SELECT "+cols+where, args, func(r cRow) error {
		k, fp, id := r.bytes(0), r.bytes(2), r.int64(1)
		if len(fp) != len(core.Fingerprint{}) {
			return fmt.Errorf("key %q has a fingerprint of %d bytes", k, len(fp))
		}
		place := -1
		if b != nil {
			place = b.Len()
			b.Append(k, core.Fingerprint(fp), id)
		}
		if sk := r.bytes(3); sk != nil {
			return skip.Entry(place, k, fp, sk)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", doing, entity, err)
	}
	if b != nil {
		b.Place()
	}
	return b, nil
}

// refMaps returns, per field, the bookkeeping of the entity a ref field
// points to (nil for other fields).
func (x *sqliteTx) refMaps(ctx context.Context, p *core.Mapping) ([]*core.Book, error) {
	refs := make([]*core.Book, len(p.Entity.Fields))
	for i, f := range p.Entity.Fields {
		if f.Type != format.Ref {
			continue
		}
		m, err := x.refBook(ctx, f.Entity)
		if err != nil {
			return nil, err
		}
		refs[i] = m
	}
	return refs, nil
}

// refBook returns an entity's bookkeeping, read once per transaction
// (until a removal deletes some of its keys).
func (x *sqliteTx) refBook(ctx context.Context, entity string) (*core.Book, error) {
	m, ok := x.cache[entity]
	if !ok {
		var err error
		if m, err = x.bookkeeping(ctx, entity); err != nil {
			return nil, err
		}
		x.cache[entity] = m
	}
	return m, nil
}

// nextID is the id the next inserted row gets: what SQLite itself would
// choose, honouring an AUTOINCREMENT table's sequence.
func (x *sqliteTx) nextID(ctx context.Context, table string) (int64, error) {
	var maxID int64
	q := "SELECT coalesce(max(" + sqliteQuote(core.IDColumn) + "), 0) FROM " + sqliteQuote(table)
	if err := x.tx.QueryRowContext(ctx, q).Scan(&maxID); err != nil {
		return 0, fmt.Errorf("read the highest id of %s: %w", table, err)
	}
	// sqlite_sequence exists once a table uses AUTOINCREMENT: ask the
	// schema instead of reading an error message.
	var seqTables int
	if err := x.tx.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_sequence'").Scan(&seqTables); err != nil {
		return 0, fmt.Errorf("read the id sequence of %s: %w", table, err)
	}
	var seq int64
	if seqTables > 0 {
		err := x.tx.QueryRowContext(ctx, "SELECT seq FROM sqlite_sequence WHERE name = ?", table).Scan(&seq)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("read the id sequence of %s: %w", table, err)
		}
	}
	return max(maxID, seq) + 1, nil
}
