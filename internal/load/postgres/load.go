package postgres

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// Load upserts one entity's records. When the environment holds no row of
// the entity yet (its first import), the rows are copied straight into the
// target table with ids taken from its sequence; otherwise they are copied
// into a staging table and merged with set-based SQL.
func (x *pgTx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	p, err := x.Loadable(e)
	if err != nil {
		return load.Counts{}, err
	}
	c, err := x.load(ctx, p, rows)
	if err != nil {
		x.Failed = err
		return load.Counts{}, fmt.Errorf("load %s: %w", e.Name, err)
	}
	x.forgetRefs(e.Name) // its keys changed
	return c, nil
}

func (x *pgTx) load(ctx context.Context, p *core.Mapping, rows load.Batches) (load.Counts, error) {
	pre := x.takeBook(p.Entity.Name)
	var known bool
	var seq string
	const q = `SELECT EXISTS (SELECT 1 FROM handover_rows WHERE entity = $1), coalesce(pg_get_serial_sequence($2, 'id'), '')`
	if err := x.tx.QueryRow(ctx, q, p.Entity.Name, pgQuote(p.Table)).Scan(&known, &seq); err != nil {
		return load.Counts{}, x.t.fail("read bookkeeping", err)
	}
	if !known && seq != "" {
		x.State().Books[p.Entity.Name] = core.NewBook() // delta.go: nothing can be absent
		return x.loadDirect(ctx, p, seq, rows)
	}
	return x.loadDelta(ctx, p, pre, rows) // delta.go
}

// copyError prefers the source's own error (a bad record, a failed read)
// over the COPY's.
func (x *pgTx) copyError(doing string, src *pgSource, err error) error {
	if src.err != nil {
		return src.err
	}
	return x.t.fail(doing, err)
}

// refIDs returns, per field, the index (key → target id) of the entity a
// ref field points to (nil for other fields), read once per transaction
// (until a load or a removal changes that entity).
func (x *pgTx) refIDs(ctx context.Context, p *core.Mapping) ([]*core.RefIndex, error) {
	out := make([]*core.RefIndex, len(p.Entity.Fields))
	for i, f := range p.Entity.Fields {
		if f.Type != format.Ref {
			continue
		}
		idx, ok := x.refIdx[f.Entity]
		if !ok {
			var err error
			if idx, err = x.readRefIndex(ctx, f.Entity); err != nil { // book.go
				return nil, err
			}
			x.refIdx[f.Entity] = idx
		}
		out[i] = idx
	}
	return out, nil
}

// forgetRefs drops what the transaction holds of entity's bookkeeping
// (its keys or ids changed).
func (x *pgTx) forgetRefs(entity string) {
	delete(x.refs, entity)
	if idx := x.refIdx[entity]; idx != nil {
		idx.Close()
		delete(x.refIdx, entity)
	}
}

// closeRefs removes the files of the reference indexes.
func (x *pgTx) closeRefs() {
	for e := range x.refIdx {
		x.forgetRefs(e)
	}
}

// refBook returns the bookkeeping of an entity, read once per transaction
// (until a load or a removal changes it).
func (x *pgTx) refBook(ctx context.Context, entity string) (*core.Book, error) {
	b, ok := x.refs[entity]
	if !ok {
		var err error
		if b, err = x.readBook(ctx, entity); err != nil { // book.go
			return nil, err
		}
		x.refs[entity] = b
	}
	return b, nil
}
