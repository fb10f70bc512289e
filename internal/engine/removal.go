package engine

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
)

// keyless reports whether a rejected row's key is unknown: the row could
// not be read as a record, or its key is empty or invalid. Such a row could
// stand for any row of the environment the extraction seems to lack.
func keyless(e *format.Entity, r *rowResult) bool {
	ki := e.KeyIndex()
	return r.values == nil || ki < 0 || r.values[ki] == ""
}

// sweep hands the target, after an entity's load, every key the extraction
// has (valid and rejected rows alike) so that it can apply the entity's
// removal policy to the rows that are absent. It records the counts in c
// and returns the warnings a migration engineer must see.
func sweep(ctx context.Context, o *execution, e *format.Entity, keys *entityKeys, unkeyed int64, c *protocol.Entity) ([]string, error) {
	sw, ok := o.tx.(load.Sweeper)
	if !ok {
		return nil, nil
	}
	var lookupErr error
	has := func(k string) bool {
		if keys.skip != nil && keys.skip.taken(k) {
			return true // a skipped row's key, found in memory
		}
		f, err := keys.keys.get(k)
		if err != nil {
			lookupErr = err
			return true // nothing is removed on an unreadable key state; the error fails the run
		}
		return f.ok
	}
	seen := load.Seen{Has: has, Unkeyed: unkeyed}
	if keys.skip != nil {
		seen.Skipped = keys.skip.skippedPlaces()
	}
	r, err := sw.Sweep(ctx, e, seen)
	if err == nil {
		err = lookupErr
	}
	if err != nil {
		return nil, fmt.Errorf("remove absent rows: %w", err)
	}
	c.Removed += r.Removed
	c.Absent += r.Absent
	return removalWarnings(o, e.Name, r, unkeyed), nil
}

// removalWarnings describes the absent rows left in the environment and the
// references left pointing at deleted rows.
func removalWarnings(o *execution, entity string, r load.Removal, unkeyed int64) []string {
	kept, notDeleted, refer := "kept", "not deleted", "still refer"
	if o.kind == protocol.KindDiff {
		kept, notDeleted, refer = "would be kept", "would not be deleted", "would still refer"
	}
	var out []string
	switch {
	case r.Held:
		out = append(out, fmt.Sprintf("%s: %s absent from extraction %d %s (removed: delete): %s no readable key and could stand for any of them; fix %s and import again. Absent: %s",
			entity, rows(r.Absent, "row"), o.Extraction.Number, notDeleted, rows(unkeyed, "rejected row")+has(unkeyed), them(unkeyed), keyList(r.Keys, r.Absent)))
	case r.Policy == format.RemovedKeep && r.Absent > 0:
		out = append(out, fmt.Sprintf("%s: %s of environment %s absent from extraction %d, %s (removed: keep): %s",
			entity, rows(r.Absent, "row"), o.Env, o.Extraction.Number, kept, keyList(r.Keys, r.Absent)))
	}
	for _, d := range r.Dangling {
		out = append(out, fmt.Sprintf("%s: %s %s through %s to %s rows deleted by this import: %s; rewritten once the reference resolves again",
			entity, rows(d.Rows, "row"), refer, d.Field, d.Entity, keyList(d.Keys, d.Rows)))
	}
	return out
}

func rows(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func has(n int64) string {
	if n == 1 {
		return " has"
	}
	return " have"
}

func them(n int64) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// keyList lists sample keys, with "…" when there are more.
func keyList(keys []string, total int64) string {
	s := strings.Join(keys, ", ")
	if int64(len(keys)) < total {
		s += ", …"
	}
	return s
}

// addDiffs puts a diff run's per-entity diffs into its protocol.
func addDiffs(o *execution, p *protocol.Protocol) {
	d, ok := o.tx.(load.DiffTx)
	if !ok || o.kind != protocol.KindDiff {
		return
	}
	p.Diff = map[string]*protocol.EntityDiff{}
	for _, e := range p.Entities {
		if ed := d.Diff(e.Name); ed != nil {
			p.Diff[e.Name] = ed
		}
	}
}
