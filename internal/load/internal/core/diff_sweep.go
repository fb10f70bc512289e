package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
)

// Sweep sorts the rows the extraction no longer has by e's removal policy
// into those an import would remove and those it would leave (absent).
func (d *diffTx) Sweep(ctx context.Context, e *format.Entity, seen load.Seen) (load.Removal, error) {
	r, err := d.sweep(ctx, e, seen)
	if err != nil {
		return load.Removal{}, fmt.Errorf("diff %s: %w", e.Name, err)
	}
	return r, nil
}

func (d *diffTx) sweep(ctx context.Context, e *format.Entity, seen load.Seen) (load.Removal, error) {
	p, err := d.b.Loadable(e)
	if err != nil {
		return load.Removal{}, err
	}
	book, ok := d.books[e.Name]
	if !ok {
		if book, err = d.b.FreshBook(ctx, e.Name); err != nil {
			return load.Removal{}, err
		}
	}
	delete(d.books, e.Name)
	diff, ok := d.diffs[e.Name]
	if !ok {
		diff = newEntityDiff(e)
		d.diffs[e.Name] = diff
	}
	absent := absentRows(book, seen)
	remove, keep, err := d.split(ctx, p, absent, seen)
	if err != nil {
		return load.Removal{}, err
	}
	for _, r := range remove {
		add(&diff.Remove, r.Key)
	}
	for _, r := range keep {
		add(&diff.Absent, r.Key)
	}
	r := load.Removal{Policy: diff.Policy, Removed: diff.Remove.Count, Absent: diff.Absent.Count,
		Held: diff.Policy == format.RemovedDelete && len(keep) > 0, Keys: diff.Remove.Keys}
	if len(remove) == 0 {
		r.Keys = diff.Absent.Keys
	}
	if diff.Policy == format.RemovedDelete && len(remove) > 0 {
		gone := map[string]int64{}
		for _, a := range remove {
			gone[a.Key] = a.ID
		}
		d.gone[e.Name] = gone
	}
	r.Dangling, err = d.dangling(ctx, p, book, d.gone[e.Name])
	return r, err
}

// split sorts absent rows into those the policy would remove and those it
// would leave.
func (d *diffTx) split(ctx context.Context, p *Mapping, absent []BookRow, seen load.Seen) (remove, keep []BookRow, err error) {
	switch {
	case len(absent) == 0:
		return nil, nil, nil
	case Policy(p.Entity) == format.RemovedDelete && seen.Unkeyed == 0:
		return absent, nil, nil
	case Policy(p.Entity) != format.RemovedFlag:
		return nil, absent, nil
	}
	has, err := d.b.HasRemovedAt(ctx, p)
	if err != nil || !has {
		return absent, nil, err
	}
	flagged := map[int64]string{}
	err = Chunks(absent, listChunk, func(rs []BookRow) error {
		got, err := d.b.Flagged(ctx, p, IDsOf(rs))
		for id, at := range got {
			flagged[id] = at
		}
		return err
	})
	for _, a := range absent {
		if _, ok := flagged[a.ID]; ok {
			keep = append(keep, a)
		} else {
			remove = append(remove, a)
		}
	}
	return remove, keep, err
}

// dangling counts the rows of p that the import would leave pointing at
// rows it deletes: not met by this load (those get their reference
// resolved again) and not deleted themselves.
func (d *diffTx) dangling(ctx context.Context, p *Mapping, book *Book, deleted map[string]int64) ([]load.Dangling, error) {
	var out []load.Dangling
	for i, f := range p.Entity.Fields {
		gone := d.gone[f.Entity]
		if f.Type != format.Ref || len(gone) == 0 {
			continue
		}
		ids := make([]int64, 0, len(gone))
		for _, id := range gone {
			ids = append(ids, id)
		}
		refs, err := d.b.RefsTo(ctx, p, p.Columns[i], ids)
		if err != nil {
			return nil, fmt.Errorf("find references to deleted %s rows: %w", f.Entity, err)
		}
		var rows []BookRow
		for _, r := range rowsWithIDs(book, refs) {
			if _, del := deleted[r.Key]; !del && !book.IsSeen(r.Index) {
				rows = append(rows, r)
			}
		}
		if len(rows) > 0 {
			out = append(out, load.Dangling{Field: f.Name, Entity: f.Entity, Rows: int64(len(rows)), Keys: firstKeys(rows)})
		}
	}
	return out, nil
}

// Diff returns what an import would do to entity (nil before its Load).
func (d *diffTx) Diff(entity string) *protocol.EntityDiff { return d.diffs[entity] }

// Fixup does nothing on a diff: a diff writes nothing, and what fix-ups
// would rewrite depends on rows it does not load (handover fixup --dry-run
// shows them).
func (d *diffTx) Fixup(context.Context, []*fixup.Rule, func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	return nil, nil
}

// Commit refuses: a diff writes nothing.
func (d *diffTx) Commit(ctx context.Context) error {
	d.b.Rollback(ctx)
	return errors.New("commit: a diff writes nothing")
}

// Rollback ends the diff's transaction.
func (d *diffTx) Rollback(ctx context.Context) error { return d.b.Rollback(ctx) }
