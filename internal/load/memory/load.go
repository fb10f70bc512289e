package memory

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

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

// writer writes one entity's records into its table.
type writer struct {
	x    *tx
	p    *core.Mapping
	t    *table
	cols []int // table column of each field
	book *core.Book
	h    core.Hasher
	c    load.Counts
}

func (x *tx) load(ctx context.Context, p *core.Mapping, rows load.Batches) (load.Counts, error) {
	book, _ := x.FreshBook(ctx, p.Entity.Name)
	stale := core.StaleEntries(book)
	w := &writer{x: x, p: p, t: x.st.tables[p.Table], book: book}
	for i := range p.Entity.Fields {
		w.cols = append(w.cols, w.t.column(p.Columns[i]))
	}
	for {
		batch, err := rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return load.Counts{}, fmt.Errorf("read rows: %w", err)
		}
		for i := range batch {
			if err := w.add(&batch[i]); err != nil {
				return load.Counts{}, err
			}
		}
	}
	x.State().Books[p.Entity.Name] = book
	if i := w.t.column(core.RemovedAtColumn); i >= 0 {
		for _, id := range core.MetIDs(book, stale) {
			if r := w.t.rows[id]; r != nil && r.vals[i].set {
				r.vals[i] = cell{}
				r.version++
			}
		}
	}
	load.AfterCopy(ctx, p.Entity.Name)
	return w.c, nil
}

// add sorts one record: new, changed, or unchanged (left alone).
func (w *writer) add(r *load.Record) error {
	if err := w.p.Check(r); err != nil {
		return err
	}
	fp := w.h.Of(r)
	key := r.Values[w.p.KeyIndex]
	i, known := w.book.Find(key)
	switch {
	case known && w.book.IsSeen(i):
		return fmt.Errorf("line %d: duplicate key %q", r.Line, key)
	case known && w.book.FPs[i] == fp:
		w.book.MarkSeen(i)
		w.c.Unchanged++
		return nil
	}
	vals, err := w.values(r)
	if err != nil {
		return err
	}
	id := w.t.lastID + 1
	if known {
		id = w.book.IDs[i]
		w.book.FPs[i] = fp
		w.book.MarkSeen(i)
		w.c.Updated++
	} else {
		w.book.MarkSeen(w.book.Add(key, fp, id))
		w.t.lastID = id
		w.c.Inserted++
	}
	w.write(id, vals)
	m := w.x.st.book[w.p.Entity.Name]
	if m == nil {
		m = map[string]bookEntry{}
		w.x.st.book[w.p.Entity.Name] = m
	}
	m[key] = bookEntry{fp: fp, id: id, version: m[key].version + 1}
	return nil
}

// write sets the fields of row id (inserting it with the columns'
// defaults when it is new).
func (w *writer) write(id int64, vals []cell) {
	r := w.t.rows[id]
	if r == nil {
		r = &row{vals: make([]cell, len(w.t.columns))}
		for i, c := range w.t.columns {
			if c.Default != "" {
				r.vals[i] = cell{v: c.Default, set: true}
			}
		}
		r.vals[0] = cell{v: strconv.FormatInt(id, 10), set: true}
		w.t.rows[id] = r
	}
	for i, v := range vals {
		r.vals[w.cols[i]] = v
	}
	r.version++
}

// values checks a record's values and turns refs into target ids.
func (w *writer) values(r *load.Record) ([]cell, error) {
	out := make([]cell, len(r.Values))
	for i, f := range w.p.Entity.Fields {
		v := r.Values[i]
		if v == "" {
			continue
		}
		if f.Type == format.Ref {
			e, ok := w.x.st.book[f.Entity][v]
			if !ok {
				return nil, fmt.Errorf("line %d: field %s: key %q not found in %s", r.Line, f.Name, v, f.Entity)
			}
			v = strconv.FormatInt(e.id, 10)
		} else if !canonical(f.Type, v) {
			return nil, core.ValueError(r, f, v)
		}
		out[i] = cell{v: v, set: true}
	}
	return out, nil
}

// canonical checks the text forms whose shape a target relies on.
func canonical(t format.Type, v string) bool {
	ok := true
	switch t {
	case format.Int:
		_, ok = core.ParseInt(v)
	case format.Bool:
		_, ok = core.ParseBool(v)
	case format.Decimal:
		ok = core.ValidDecimal(v)
	case format.Date:
		_, ok = core.ParseDate(v)
	case format.Datetime:
		_, ok = core.ParseDatetime(v)
	}
	return ok
}
