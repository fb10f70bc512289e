package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
)

// A diff sorts records and absent rows exactly as an import does, from the
// same bookkeeping and fingerprints, but writes nothing. Memory: one entity's
// bookkeeping at a time (a bookIndex, about 45 bytes per key), the sample
// keys, and the new values of at most sampleKeys updated rows; the target
// rows themselves are read only for those samples.

// DiffBackend is what a diff needs of a backend's transaction.
type DiffBackend interface {
	load.Tx
	Loadable(e *format.Entity) (*Mapping, error)
	FreshBook(ctx context.Context, entity string) (*Book, error)
	HasRemovedAt(ctx context.Context, p *Mapping) (bool, error)
	RefsTo(ctx context.Context, p *Mapping, col string, ids []int64) ([]int64, error)
	// flagged returns the removed_at (canonical) of those of ids that have one.
	Flagged(ctx context.Context, p *Mapping, ids []int64) (map[int64]string, error)
	// current returns the canonical values of the target rows ids, a ref
	// as the raw target id in decimal.
	Current(ctx context.Context, p *Mapping, ids []int64) (map[int64][]string, error)
	// keysOfIDs maps target ids of entity to their source keys.
	KeysOfIDs(ctx context.Context, entity string, ids []int64) (map[int64]string, error)
}

type diffTx struct {
	b     DiffBackend
	diffs map[string]*protocol.EntityDiff
	books map[string]*Book            // between Load and Sweep
	gone  map[string]map[string]int64 // per entity: keys (and ids) the import would delete
}

// NewDiffTx is a transaction that computes what an import would do on
// the transaction b, writing nothing.
func NewDiffTx(b DiffBackend) load.DiffTx {
	return &diffTx{b: b, diffs: map[string]*protocol.EntityDiff{}, books: map[string]*Book{},
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
	return &protocol.EntityDiff{Policy: Policy(e), Insert: empty(), Unchanged: empty(), Remove: empty(), Absent: empty(),
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
func (d *diffTx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	c, err := d.load(ctx, e, rows)
	if err != nil {
		return load.Counts{}, fmt.Errorf("diff %s: %w", e.Name, err)
	}
	return c, nil
}

func (d *diffTx) load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	p, err := d.b.Loadable(e)
	if err != nil {
		return load.Counts{}, err
	}
	book, err := d.b.FreshBook(ctx, e.Name)
	if err != nil {
		return load.Counts{}, err
	}
	diff := newEntityDiff(e)
	d.diffs[e.Name] = diff
	var samples []updateSample
	next, stop := HashAhead(ctx, rows)
	defer stop()
	for {
		b := next()
		if errors.Is(b.Err, io.EOF) {
			break
		}
		if b.Err != nil {
			return load.Counts{}, fmt.Errorf("read rows: %w", b.Err)
		}
		for i := range b.Records {
			r := &b.Records[i]
			if err := p.Check(r); err != nil {
				return load.Counts{}, err
			}
			key := r.Values[p.KeyIndex]
			n, known := book.Find(key)
			switch {
			case known && book.IsSeen(n):
				return load.Counts{}, fmt.Errorf("line %d: duplicate key %q", r.Line, key)
			case !known:
				book.MarkSeen(book.Add(key, Fingerprint{}, 0))
				add(&diff.Insert, key)
			case b.FPs[i] == book.FPs[n]:
				book.MarkSeen(n)
				add(&diff.Unchanged, key)
			default:
				book.MarkSeen(n)
				if len(samples) < sampleKeys {
					samples = append(samples, updateSample{key: key, id: book.IDs[n], stale: book.FPs[n].Stale(),
						values: append([]string(nil), r.Values...)})
				}
				add(&diff.Update.DiffSet, key)
			}
		}
	}
	if diff.Update.Changes, err = d.changes(ctx, p, samples); err != nil {
		return load.Counts{}, err
	}
	d.books[e.Name] = book
	return load.Counts{Inserted: diff.Insert.Count, Updated: diff.Update.Count, Unchanged: diff.Unchanged.Count}, nil
}

// changes reads the sampled rows from the target and lists the fields
// whose canonical values would change.
func (d *diffTx) changes(ctx context.Context, p *Mapping, samples []updateSample) ([]protocol.RowChange, error) {
	out := []protocol.RowChange{}
	if len(samples) == 0 {
		return out, nil
	}
	ids := make([]int64, len(samples))
	for i, s := range samples {
		ids[i] = s.id
	}
	old, err := d.b.Current(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	if err := d.refKeys(ctx, p, old); err != nil {
		return nil, err
	}
	flagged := map[int64]string{}
	if has, err := d.b.HasRemovedAt(ctx, p); err != nil {
		return nil, err
	} else if has {
		if flagged, err = d.b.Flagged(ctx, p, ids); err != nil {
			return nil, err
		}
	}
	for _, s := range samples {
		ch := protocol.RowChange{Key: s.key, Fields: map[string]protocol.FieldChange{}}
		ov, ok := old[s.id]
		for i, f := range p.Entity.Fields {
			was := ""
			if ok {
				was = ov[i]
			}
			if was != s.values[i] {
				ch.Fields[f.Name] = protocol.FieldChange{Old: was, New: s.values[i]}
			}
		}
		if at, ok := flagged[s.id]; ok {
			ch.Fields[RemovedAtColumn] = protocol.FieldChange{Old: at, New: ""}
		}
		out = append(out, ch)
	}
	return out, nil
}

// refKeys turns the target ids of ref fields in rows into source keys; an
// id that no longer resolves shows as "#id".
func (d *diffTx) refKeys(ctx context.Context, p *Mapping, rows map[int64][]string) error {
	for i, f := range p.Entity.Fields {
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
		keys, err := d.b.KeysOfIDs(ctx, f.Entity, ids)
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

// UniqueValues reads the values the environment holds in a unique field
// through the backend (load.UniqueValues), so that a diff rejects what the
// import would; nothing when the backend cannot list them.
func (d *diffTx) UniqueValues(ctx context.Context, e *format.Entity, field int, fn func(value, key string) error) error {
	if uv, ok := d.b.(load.UniqueValues); ok {
		return uv.UniqueValues(ctx, e, field, fn)
	}
	return nil
}
