package mysql

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// Load upserts one entity's records: new keys are inserted, changed ones
// updated in place, unchanged ones not touched at all.
func (x *tx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
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

func (x *tx) load(ctx context.Context, p *core.Mapping, rows load.Batches) (load.Counts, error) {
	book, err := x.bookkeeping(ctx, p.Entity.Name)
	if err != nil {
		return load.Counts{}, err
	}
	stale := core.StaleEntries(book)
	refs, err := x.refMaps(ctx, p)
	if err != nil {
		return load.Counts{}, err
	}
	nextID, err := x.nextID(ctx, p.Table)
	if err != nil {
		return load.Counts{}, err
	}
	infile, err := x.localInfile(ctx)
	if err != nil {
		return load.Counts{}, err
	}
	w := newWriter(x, p, refs, infile)
	defer w.close()
	s := &sorter{w: w, p: p, book: book, nextID: nextID}
	if err := s.run(ctx, rows); err != nil {
		return load.Counts{}, err
	}
	if err := x.afterLoad(ctx, p, book, stale); err != nil {
		return load.Counts{}, err
	}
	load.AfterCopy(ctx, p.Entity.Name)
	if x.referenced[p.Entity.Name] {
		x.cache[p.Entity.Name] = book
	}
	return s.c, nil
}

// sorter decides, record by record, what a load does with it.
type sorter struct {
	w      *writer
	p      *core.Mapping
	book   *core.Book
	nextID int64
	c      load.Counts
}

// run sorts every record, fingerprinted ahead on a goroutine of its own,
// and writes the new and changed ones.
func (s *sorter) run(ctx context.Context, rows load.Batches) error {
	next, stop := core.HashAhead(ctx, rows)
	defer stop()
	for {
		b := next()
		if errors.Is(b.Err, io.EOF) {
			break
		}
		if b.Err != nil {
			return fmt.Errorf("read rows: %w", b.Err)
		}
		for i := range b.Records {
			if err := s.add(ctx, &b.Records[i], b.FPs[i]); err != nil {
				return err
			}
		}
	}
	return s.w.flush(ctx)
}

// add sorts one record: new, changed, or unchanged (left alone).
func (s *sorter) add(ctx context.Context, r *load.Record, fp core.Fingerprint) error {
	if err := s.p.Check(r); err != nil {
		return err
	}
	key := r.Values[s.p.KeyIndex]
	i, known := s.book.Find(key)
	switch {
	case known && s.book.IsSeen(i):
		return fmt.Errorf("line %d: duplicate key %q", r.Line, key)
	case !known:
		s.book.MarkSeen(s.book.Add(key, fp, s.nextID))
		if err := s.w.insert(ctx, r, s.nextID, fp); err != nil {
			return err
		}
		s.nextID++
		s.c.Inserted++
	case s.book.FPs[i] == fp:
		s.book.MarkSeen(i)
		s.c.Unchanged++
	default:
		s.book.MarkSeen(i)
		s.book.FPs[i] = fp
		if err := s.w.update(ctx, r, s.book.IDs[i], fp); err != nil {
			return err
		}
		s.c.Updated++
	}
	return nil
}

// bookkeeping returns an entity's bookkeeping, with every entry unseen.
func (x *tx) bookkeeping(ctx context.Context, entity string) (*core.Book, error) {
	if b, ok := x.cache[entity]; ok {
		b.Unsee()
		return b, nil
	}
	return x.FreshBook(ctx, entity)
}

// FreshBook reads an entity's bookkeeping into a Book sized first.
func (x *tx) FreshBook(ctx context.Context, entity string) (*core.Book, error) {
	var n, keyBytes int64
	const count = "SELECT count(*), coalesce(sum(length(`key`)), 0) FROM handover_rows WHERE entity = ?"
	if err := x.conn.QueryRowContext(ctx, count, entity).Scan(&n, &keyBytes); err != nil {
		return nil, x.t.fail("read bookkeeping of "+entity, err)
	}
	b := core.NewSizedBook(n, keyBytes)
	rows, err := x.conn.QueryContext(ctx, "SELECT `key`, target_id, fingerprint FROM handover_rows WHERE entity = ?", entity)
	if err != nil {
		return nil, x.t.fail("read bookkeeping of "+entity, err)
	}
	defer rows.Close()
	var k, fp sql.RawBytes
	var id int64
	for rows.Next() {
		if err := rows.Scan(&k, &id, &fp); err != nil {
			return nil, x.t.fail("read bookkeeping of "+entity, err)
		}
		if len(fp) != len(core.Fingerprint{}) {
			return nil, fmt.Errorf("read bookkeeping of %s: key %q has a fingerprint of %d bytes", entity, k, len(fp))
		}
		b.Add(string(k), core.Fingerprint(fp), id)
	}
	if err := rows.Err(); err != nil {
		return nil, x.t.fail("read bookkeeping of "+entity, err)
	}
	return b, nil
}

// refMaps returns, per field, the bookkeeping of the entity a ref field
// points to (nil for other fields).
func (x *tx) refMaps(ctx context.Context, p *core.Mapping) ([]*core.Book, error) {
	refs := make([]*core.Book, len(p.Entity.Fields))
	for i, f := range p.Entity.Fields {
		if f.Type != format.Ref {
			continue
		}
		m, ok := x.cache[f.Entity]
		if !ok {
			var err error
			if m, err = x.FreshBook(ctx, f.Entity); err != nil {
				return nil, err
			}
			x.cache[f.Entity] = m
		}
		refs[i] = m
	}
	return refs, nil
}

// nextID is the id the next inserted row gets: past the highest id and
// the table's AUTO_INCREMENT counter.
func (x *tx) nextID(ctx context.Context, table string) (int64, error) {
	var maxID int64
	q := "SELECT coalesce(max(" + quote(core.IDColumn) + "), 0) FROM " + quote(table)
	if err := x.conn.QueryRowContext(ctx, q).Scan(&maxID); err != nil {
		return 0, x.t.fail("read the highest id of "+table, err)
	}
	var auto sql.NullInt64
	const ai = "SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?"
	if err := x.conn.QueryRowContext(ctx, ai, table).Scan(&auto); err != nil {
		return 0, x.t.fail("read the id counter of "+table, err)
	}
	return max(maxID+1, auto.Int64), nil
}
