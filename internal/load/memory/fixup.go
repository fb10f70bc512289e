package memory

import (
	"context"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/load/internal/core"
)

// Fixup runs fix-up rules over the environment's current rows, inside the
// import's transaction.
func (x *tx) Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	if err := core.FixupReady(x.Done, x.Failed); err != nil {
		return nil, err
	}
	c, err := core.RunFixups(ctx, fixups{x}, &x.TxState, rules, report)
	if err != nil {
		x.Failed = err
	}
	return c, err
}

// fixups is what a fix-up pass needs of the transaction.
type fixups struct{ x *tx }

// FixupScan calls fn with the rows whose field col is set, in id order.
func (b fixups) FixupScan(ctx context.Context, p *core.Mapping, col int, _ *fixup.Group, fn func([]fixup.Row) error) error {
	t := b.x.st.tables[p.Table]
	c, key := t.column(p.Columns[col]), t.column(p.Columns[p.KeyIndex])
	var chunk []fixup.Row
	for _, id := range t.ids() {
		r := t.rows[id]
		if !r.vals[c].set {
			continue
		}
		chunk = append(chunk, fixup.Row{ID: id, Key: r.vals[key].v, Text: r.vals[c].v})
		if len(chunk) == core.FixupChunk {
			if err := fn(chunk); err != nil {
				return err
			}
			chunk = nil
		}
	}
	if len(chunk) == 0 {
		return nil
	}
	return fn(chunk)
}

// FixupLookup returns the target ids of those of keys entity holds.
func (b fixups) FixupLookup(_ context.Context, entity string, keys []string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, k := range keys {
		if e, ok := b.x.st.book[entity][k]; ok {
			out[k] = e.id
		}
	}
	return out, nil
}

// FixupAllKeys returns the target id of every key entity holds.
func (b fixups) FixupAllKeys(_ context.Context, entity string) (map[string]int64, error) {
	out := make(map[string]int64, len(b.x.st.book[entity]))
	for k, e := range b.x.st.book[entity] {
		out[k] = e.id
	}
	return out, nil
}

// FixupKeyCount returns how many keys entity holds.
func (b fixups) FixupKeyCount(_ context.Context, entity string) (int, error) {
	return len(b.x.st.book[entity]), nil
}

// FixupIDs returns the lowest and highest id of p's table.
func (b fixups) FixupIDs(_ context.Context, p *core.Mapping) (int64, int64, error) {
	ids := b.x.st.tables[p.Table].ids()
	if len(ids) == 0 {
		return 0, 0, nil
	}
	return ids[0], ids[len(ids)-1], nil
}

// FixupWrite sets field col of rows to their Text.
func (b fixups) FixupWrite(_ context.Context, p *core.Mapping, col int, rows []fixup.Row) error {
	t := b.x.st.tables[p.Table]
	c := t.column(p.Columns[col])
	for _, fr := range rows {
		if r := t.rows[fr.ID]; r != nil {
			r.vals[c] = cell{v: fr.Text, set: true}
			r.version++
		}
	}
	return nil
}

// FixupFlush does nothing: writes are immediate.
func (fixups) FixupFlush(context.Context, *core.Mapping, int) error { return nil }
