package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/protocol"
)

// A diff sorts records and absent rows exactly as an import does, from the
// same bookkeeping and fingerprints, but writes nothing. Memory: one entity's
// bookkeeping at a time (a bookIndex, about 45 bytes per key), the sample
// keys, and the new values of at most sampleKeys updated rows; the target
// rows themselves are read only for those samples.

// diffBackend is what a diff needs of a backend's transaction.
type diffBackend interface {
	Tx
	loadable(e *format.Entity) (*plan, error)
	freshBook(ctx context.Context, entity string) (*bookIndex, error)
	hasRemovedAt(ctx context.Context, p *plan) (bool, error)
	refsTo(ctx context.Context, p *plan, col string, ids []int64) ([]int64, error)
	// flagged returns the removed_at (canonical) of those of ids that have one.
	flagged(ctx context.Context, p *plan, ids []int64) (map[int64]string, error)
	// current returns the canonical values of the target rows ids, a ref
	// as the raw target id in decimal.
	current(ctx context.Context, p *plan, ids []int64) (map[int64][]string, error)
	// keysOfIDs maps target ids of entity to their source keys.
	keysOfIDs(ctx context.Context, entity string, ids []int64) (map[int64]string, error)
}

type diffTx struct {
	b     diffBackend
	diffs map[string]*protocol.EntityDiff
	books map[string]*bookIndex       // between Load and Sweep
	gone  map[string]map[string]int64 // per entity: keys (and ids) the import would delete
}

func newDiffTx(b diffBackend) *diffTx {
	return &diffTx{b: b, diffs: map[string]*protocol.EntityDiff{}, books: map[string]*bookIndex{},
		gone: map[string]map[string]int64{}}
}

// updateSample is an updated row a diff shows the changes of.
type updateSample struct {
	key    string
	id     int64
	stale  bool
	values []string
}

func newEntityDiff(e *format.Entity) *protocol.EntityDiff {
	empty := func() protocol.DiffSet { return protocol.DiffSet{Keys: []string{}} }
	return &protocol.EntityDiff{Policy: policy(e), Insert: empty(), Unchanged: empty(), Remove: empty(), Absent: empty(),
		Update: protocol.DiffUpdate{DiffSet: empty(), Changes: []protocol.RowChange{}}}
}

func add(s *protocol.DiffSet, key string) {
	s.Count++
	if len(s.Keys) < sampleKeys {
		s.Keys = append(s.Keys, key)
	}
}

// Keys returns the keys an import would leave in the environment.
func (d *diffTx) Keys(ctx context.Context, entity string) (map[string]struct{}, error) {
	keys, err := d.b.Keys(ctx, entity)
	for k := range d.gone[entity] {
		delete(keys, k)
	}
	return keys, err
}

// Load sorts e's records into inserts, updates and unchanged ones.
func (d *diffTx) Load(ctx context.Context, e *format.Entity, rows Batches) (Counts, error) {
	c, err := d.load(ctx, e, rows)
	if err != nil {
		return Counts{}, fmt.Errorf("diff %s: %w", e.Name, err)
	}
	return c, nil
}

func (d *diffTx) load(ctx context.Context, e *format.Entity, rows Batches) (Counts, error) {
	p, err := d.b.loadable(e)
	if err != nil {
		return Counts{}, err
	}
	book, err := d.b.freshBook(ctx, e.Name)
	if err != nil {
		return Counts{}, err
	}
	diff := newEntityDiff(e)
	d.diffs[e.Name] = diff
	var samples []updateSample
	next, stop := hashAhead(ctx, rows)
	defer stop()
	for {
		b := next()
		if errors.Is(b.err, io.EOF) {
			break
		}
		if b.err != nil {
			return Counts{}, fmt.Errorf("read rows: %w", b.err)
		}
		for i := range b.records {
			r := &b.records[i]
			if err := p.check(r); err != nil {
				return Counts{}, err
			}
			key := r.Values[p.key]
			n, known := book.find(key)
			switch {
			case known && book.isSeen(n):
				return Counts{}, fmt.Errorf("line %d: duplicate key %q", r.Line, key)
			case !known:
				book.markSeen(book.add(key, fingerprint{}, 0))
				add(&diff.Insert, key)
			case b.fps[i] == book.fps[n]:
				book.markSeen(n)
				add(&diff.Unchanged, key)
			default:
				book.markSeen(n)
				if len(samples) < sampleKeys {
					samples = append(samples, updateSample{key: key, id: book.ids[n], stale: book.fps[n].stale(),
						values: append([]string(nil), r.Values...)})
				}
				add(&diff.Update.DiffSet, key)
			}
		}
	}
	if diff.Update.Changes, err = d.changes(ctx, p, samples); err != nil {
		return Counts{}, err
	}
	d.books[e.Name] = book
	return Counts{Inserted: diff.Insert.Count, Updated: diff.Update.Count, Unchanged: diff.Unchanged.Count}, nil
}

// changes reads the sampled rows from the target and lists the fields
// whose canonical values would change.
func (d *diffTx) changes(ctx context.Context, p *plan, samples []updateSample) ([]protocol.RowChange, error) {
	out := []protocol.RowChange{}
	if len(samples) == 0 {
		return out, nil
	}
	ids := make([]int64, len(samples))
	for i, s := range samples {
		ids[i] = s.id
	}
	old, err := d.b.current(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	if err := d.refKeys(ctx, p, old); err != nil {
		return nil, err
	}
	flagged := map[int64]string{}
	if has, err := d.b.hasRemovedAt(ctx, p); err != nil {
		return nil, err
	} else if has {
		if flagged, err = d.b.flagged(ctx, p, ids); err != nil {
			return nil, err
		}
	}
	for _, s := range samples {
		ch := protocol.RowChange{Key: s.key, Fields: map[string]protocol.FieldChange{}}
		ov, ok := old[s.id]
		for i, f := range p.e.Fields {
			was := ""
			if ok {
				was = ov[i]
			}
			if was != s.values[i] {
				ch.Fields[f.Name] = protocol.FieldChange{Old: was, New: s.values[i]}
			}
		}
		if at, ok := flagged[s.id]; ok {
			ch.Fields[removedAtColumn] = protocol.FieldChange{Old: at, New: ""}
		}
		out = append(out, ch)
	}
	return out, nil
}

// refKeys turns the target ids of ref fields in rows into source keys; an
// id that no longer resolves shows as "#id".
func (d *diffTx) refKeys(ctx context.Context, p *plan, rows map[int64][]string) error {
	for i, f := range p.e.Fields {
		if f.Type != format.Ref {
			continue
		}
		var ids []int64
		for _, vals := range rows {
			if id, err := strconv.ParseInt(vals[i], 10, 64); err == nil {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			continue
		}
		keys, err := d.b.keysOfIDs(ctx, f.Entity, ids)
		if err != nil {
			return err
		}
		for _, vals := range rows {
			if id, err := strconv.ParseInt(vals[i], 10, 64); err == nil {
				if k, ok := keys[id]; ok {
					vals[i] = k
				} else {
					vals[i] = "#" + vals[i]
				}
			}
		}
	}
	return nil
}
