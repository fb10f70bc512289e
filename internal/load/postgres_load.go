package load

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/handover/handover/internal/format"
)

// directChunk is how many records one COPY of the direct path carries.
const directChunk = 65536

// Load upserts one entity's records. When the environment holds no row of
// the entity yet (its first import), the rows are copied straight into the
// target table with ids taken from its sequence; otherwise they are copied
// into a staging table and merged with set-based SQL.
func (x *pgTx) Load(ctx context.Context, e *format.Entity, rows Batches) (Counts, error) {
	p, err := x.loadable(e)
	if err != nil {
		return Counts{}, err
	}
	c, err := x.load(ctx, p, rows)
	if err != nil {
		x.failed = err
		return Counts{}, fmt.Errorf("load %s: %w", e.Name, err)
	}
	delete(x.refs, e.Name) // its keys changed
	return c, nil
}

// loadable returns the plan of e if the transaction can still load it.
func (x *pgTx) loadable(e *format.Entity) (*plan, error) {
	switch {
	case x.done:
		return nil, fmt.Errorf("load %s: the transaction is already finished", e.Name)
	case x.failed != nil:
		return nil, fmt.Errorf("load %s: an earlier load failed: %w", e.Name, x.failed)
	}
	p := x.plans[e.Name]
	if p == nil {
		return nil, fmt.Errorf("load %s: the entity is not in the format the import began with", e.Name)
	}
	return p, nil
}

func (x *pgTx) load(ctx context.Context, p *plan, rows Batches) (Counts, error) {
	var known bool
	var seq string
	const q = `SELECT EXISTS (SELECT 1 FROM handover_rows WHERE entity = $1), coalesce(pg_get_serial_sequence($2, 'id'), '')`
	if err := x.tx.QueryRow(ctx, q, p.e.Name, pgQuote(p.table)).Scan(&known, &seq); err != nil {
		return Counts{}, x.t.fail("read bookkeeping", err)
	}
	if !known && seq != "" {
		return x.loadDirect(ctx, p, seq, rows)
	}
	return x.loadMerge(ctx, p, rows)
}

// loadDirect copies an entity's first import straight into its table,
// chunk by chunk: ids for the chunk from the sequence, a COPY of the rows,
// a COPY of their bookkeeping.
func (x *pgTx) loadDirect(ctx context.Context, p *plan, seq string, rows Batches) (Counts, error) {
	refIDs, err := x.refIDs(ctx, p)
	if err != nil {
		return Counts{}, err
	}
	enc := newPGEncoder(p, 1, refIDs)
	src := newPGSource(ctx, rows, p, enc)
	book := &pgBook{entity: p.e.Name}
	var ids []int64
	src.lead = func(r *Record, fp fingerprint) {
		id := ids[src.sent]
		enc.setInt(0, id)
		book.add(r.Values[p.key], fp, id)
	}
	cols := append([]string{idColumn}, p.columns...)
	var c Counts
	for {
		if err := src.fill(directChunk); err != nil {
			return Counts{}, err
		}
		if src.done() {
			break
		}
		if ids, err = x.nextIDs(ctx, seq, len(src.pending)); err != nil {
			return Counts{}, err
		}
		src.start(len(ids))
		n, err := x.tx.CopyFrom(ctx, pgx.Identifier{p.table}, cols, src)
		if err != nil {
			return Counts{}, x.directCopyError(p, src, err)
		}
		c.Inserted += n
		if err := book.copy(ctx, x); err != nil {
			return Counts{}, err
		}
	}
	if h := x.t.opts.AfterCopy; h != nil {
		h(p.e.Name)
	}
	return c, nil
}

// copyError prefers the source's own error (a bad record, a failed read)
// over the COPY's.
func (x *pgTx) copyError(doing string, src *pgSource, err error) error {
	if src.err != nil {
		return src.err
	}
	return x.t.fail(doing, err)
}

// directCopyError explains a unique violation of the direct COPY: a key
// repeated in the load, or a row the bookkeeping does not know.
func (x *pgTx) directCopyError(p *plan, src *pgSource, err error) error {
	var pe *pgconn.PgError
	if src.err != nil || !errors.As(err, &pe) || pe.Code != pgUniqueViolation {
		return x.copyError("copy into "+p.table, src, err)
	}
	if len(src.suspects) > 0 {
		s := src.suspects[0]
		return fmt.Errorf("line %d: duplicate key %q", s.line, s.key)
	}
	return x.t.fail("copy into "+p.table+": a row of the load collides with a row the environment's bookkeeping does not know", err)
}

// pgUniqueViolation is SQLSTATE unique_violation.
const pgUniqueViolation = "23505"

// nextIDs takes n values from the id sequence.
func (x *pgTx) nextIDs(ctx context.Context, seq string, n int) ([]int64, error) {
	rows, err := x.tx.Query(ctx, "SELECT nextval($1::regclass) FROM generate_series(1, $2)", seq, n)
	if err != nil {
		return nil, x.t.fail("take ids", err)
	}
	ids := make([]int64, 0, n)
	var id int64
	if _, err := pgx.ForEachRow(rows, []any{&id}, func() error { ids = append(ids, id); return nil }); err != nil {
		return nil, x.t.fail("take ids", err)
	}
	return ids, nil
}

// refIDs returns, per field, the key → target id map of the entity a ref
// field points to (nil for other fields), read once per transaction.
func (x *pgTx) refIDs(ctx context.Context, p *plan) ([]map[string]int64, error) {
	out := make([]map[string]int64, len(p.e.Fields))
	for i, f := range p.e.Fields {
		if f.Type != format.Ref {
			continue
		}
		m, ok := x.refs[f.Entity]
		if !ok {
			rows, err := x.tx.Query(ctx, "SELECT key, target_id FROM handover_rows WHERE entity = $1", f.Entity)
			if err != nil {
				return nil, x.t.fail("read keys of "+f.Entity, err)
			}
			m = map[string]int64{}
			var k string
			var id int64
			if _, err := pgx.ForEachRow(rows, []any{&k, &id}, func() error { m[k] = id; return nil }); err != nil {
				return nil, x.t.fail("read keys of "+f.Entity, err)
			}
			x.refs[f.Entity] = m
		}
		out[i] = m
	}
	return out, nil
}

// pgBook gathers the bookkeeping of one chunk of inserted rows.
type pgBook struct {
	entity string
	keys   []string
	fps    []fpBytes
	ids    []int64
}

func (b *pgBook) add(key string, fp fingerprint, id int64) {
	b.keys = append(b.keys, key)
	b.fps = append(b.fps, fpBytes(fp))
	b.ids = append(b.ids, id)
}

// copy writes the gathered bookkeeping and starts over.
func (b *pgBook) copy(ctx context.Context, x *pgTx) error {
	vals := make([]any, 4)
	vals[0] = &b.entity
	i := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(b.keys) {
			return nil, nil
		}
		vals[1], vals[2], vals[3] = &b.keys[i], &b.fps[i], &b.ids[i]
		i++
		return vals, nil
	})
	cols := []string{"entity", "key", "fingerprint", "target_id"}
	if _, err := x.tx.CopyFrom(ctx, pgx.Identifier{"handover_rows"}, cols, src); err != nil {
		return x.t.fail("record bookkeeping", err)
	}
	b.keys, b.fps, b.ids = b.keys[:0], b.fps[:0], b.ids[:0]
	return nil
}
