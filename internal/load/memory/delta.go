package memory

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

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

// Book returns the bookkeeping Load left for p's entity, or reads it.
func (x *tx) Book(ctx context.Context, p *core.Mapping) (*core.Book, error) {
	if b, ok := x.State().Books[p.Entity.Name]; ok {
		return b, nil
	}
	return x.FreshBook(ctx, p.Entity.Name)
}

// FreshBook returns an entity's bookkeeping, every entry unseen.
func (x *tx) FreshBook(_ context.Context, entity string) (*core.Book, error) {
	m := x.st.book[entity]
	b := core.NewSizedBook(int64(len(m)), 0)
	for k, e := range m {
		b.Add(k, e.fp, e.id)
	}
	return b, nil
}

// DeleteRows deletes the target rows and their bookkeeping.
func (x *tx) DeleteRows(_ context.Context, p *core.Mapping, rows []core.BookRow) error {
	t := x.st.tables[p.Table]
	for _, r := range rows {
		delete(t.rows, r.ID)
		delete(x.st.book[p.Entity.Name], r.Key)
	}
	return nil
}

// FlagRows sets removed_at on the rows not flagged yet and marks their
// bookkeeping stale.
func (x *tx) FlagRows(ctx context.Context, p *core.Mapping, rows []core.BookRow) ([]core.BookRow, error) {
	t := x.st.tables[p.Table]
	col := t.column(core.RemovedAtColumn)
	if col < 0 {
		return nil, fmt.Errorf("table %s has no column %s", p.Table, core.RemovedAtColumn)
	}
	now := x.t.opts.CurrentTime().UTC().Truncate(time.Second).Format(time.RFC3339)
	var flagged []core.BookRow
	for _, br := range rows {
		if r := t.rows[br.ID]; r != nil && !r.vals[col].set {
			r.vals[col] = cell{v: now, set: true}
			r.version++
			flagged = append(flagged, br)
		}
	}
	return flagged, x.MarkStale(ctx, p, core.KeysOf(flagged))
}

// RefsTo returns the ids of p's rows whose column col holds one of ids.
func (x *tx) RefsTo(_ context.Context, p *core.Mapping, col string, ids []int64) ([]int64, error) {
	want := map[string]bool{}
	for _, id := range ids {
		want[strconv.FormatInt(id, 10)] = true
	}
	t := x.st.tables[p.Table]
	c := t.column(col)
	var out []int64
	for _, id := range t.ids() {
		if v := t.rows[id].vals[c]; v.set && want[v.v] {
			out = append(out, id)
		}
	}
	return out, nil
}

// MarkStale zeroes the fingerprints of keys.
func (x *tx) MarkStale(_ context.Context, p *core.Mapping, keys []string) error {
	m := x.st.book[p.Entity.Name]
	for _, k := range keys {
		if e, ok := m[k]; ok {
			m[k] = bookEntry{id: e.id, version: e.version + 1}
		}
	}
	return nil
}

// HasRemovedAt reports whether p's table has the column removed_at.
func (x *tx) HasRemovedAt(_ context.Context, p *core.Mapping) (bool, error) {
	return x.st.tables[p.Table].column(core.RemovedAtColumn) >= 0, nil
}

// Flagged returns the removed_at of those of ids that have one.
func (x *tx) Flagged(_ context.Context, p *core.Mapping, ids []int64) (map[int64]string, error) {
	t := x.st.tables[p.Table]
	out := map[int64]string{}
	c := t.column(core.RemovedAtColumn)
	if c < 0 {
		return out, nil
	}
	for _, id := range ids {
		if r := t.rows[id]; r != nil && r.vals[c].set {
			out[id] = r.vals[c].v
		}
	}
	return out, nil
}

// Current returns the values of rows ids, a ref as the target id.
func (x *tx) Current(_ context.Context, p *core.Mapping, ids []int64) (map[int64][]string, error) {
	t := x.st.tables[p.Table]
	out := map[int64][]string{}
	for _, id := range ids {
		r := t.rows[id]
		if r == nil {
			continue
		}
		vals := make([]string, len(p.Columns))
		for i, col := range p.Columns {
			vals[i] = r.vals[t.column(col)].v
		}
		out[id] = vals
	}
	return out, nil
}

// KeysOfIDs maps target ids of entity to their source keys.
func (x *tx) KeysOfIDs(_ context.Context, entity string, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	for k, e := range x.st.book[entity] {
		if slices.Contains(ids, e.id) {
			out[e.id] = k
		}
	}
	return out, nil
}
