package load

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/protocol"
)

// Delta imports. Loading an entity sorts its records by their bookkeeping
// into inserts, updates and unchanged rows (never written). Sweep, called
// after the entity's Load, then deals with the rows the environment holds
// whose key the extraction no longer has, following the entity's removal
// policy (format.yaml removed:):
//
//	keep    nothing is written; the rows are counted (and listed) as absent
//	delete  the target rows and their bookkeeping are deleted
//	flag    the column removed_at is set to the import's time; it is cleared
//	        when the key comes back (the row then counts as updated)
//
// A key "the extraction has" is the key of any of its rows that were not
// filtered out: valid ones and rejected ones alike, so a row the customer
// broke in the new delivery is never deleted for it. Rows are removed only
// when their key is missing from the delivery altogether (or was filtered
// out by the recipe on purpose).
//
// A bookkeeping entry whose fingerprint is all zeros is stale: its target
// row must be rewritten when its key comes back, whatever the new values.
// Flagged rows are stale, and so are rows whose reference pointed at a row
// that an import deleted; a later import that loads them again re-resolves
// the reference.

// removedAtColumn is the column the flag policy sets.
const removedAtColumn = "removed_at"

// sampleKeys is how many keys a removal or a diff lists.
const sampleKeys = protocol.DiffSampleKeys

// stale reports whether fp marks a row to rewrite when its key comes back.
func (fp fingerprint) stale() bool { return fp == fingerprint{} }

// policy is an entity's removal policy, keep when unset.
func policy(e *format.Entity) string {
	if e.Removed == "" {
		return format.RemovedKeep
	}
	return e.Removed
}

// bookRow is one bookkeeping entry: its place in the bookIndex, key,
// target id and fingerprint.
type bookRow struct {
	i   int
	key string
	id  int64
	fp  fingerprint
}

func (b *bookIndex) row(i int) bookRow {
	return bookRow{i: i, key: string(b.key(i)), id: b.ids[i], fp: b.fps[i]}
}

// newSizedBook returns an empty bookIndex with room for n entries whose
// keys take keyBytes together, so that reading a million keys does not
// grow and rehash it twenty times. Small or unknown sizes start small.
func newSizedBook(n, keyBytes int64) *bookIndex {
	b := newBookIndex()
	if n < 1024 {
		return b
	}
	slots := len(b.slots)
	for slots < int(2*n+2) {
		slots *= 2
	}
	b.slots = make([]uint32, slots)
	b.keys = make([]byte, 0, keyBytes)
	b.ends = make([]uint32, 0, n)
	b.fps = make([]fingerprint, 0, n)
	b.ids = make([]int64, 0, n)
	b.seen = make([]uint64, 0, n/64+1)
	return b
}

// staleEntries lists the stale entries of book. Taken before a load, the
// ones the load then meets are the rows it rewrote that may carry a
// removed_at to clear.
func staleEntries(book *bookIndex) []int {
	var out []int
	for i, fp := range book.fps {
		if fp.stale() {
			out = append(out, i)
		}
	}
	return out
}

// metIDs returns the target ids of the entries the load met.
func metIDs(book *bookIndex, entries []int) []int64 {
	var ids []int64
	for _, i := range entries {
		if book.isSeen(i) {
			ids = append(ids, book.ids[i])
		}
	}
	return ids
}

// absentRows lists the entries of book that the load did not meet and the
// extraction does not have, by target id.
func absentRows(book *bookIndex, seen Seen) []bookRow {
	var out []bookRow
	for i := range book.len() {
		if book.isSeen(i) {
			continue
		}
		if r := book.row(i); !seen.has(r.key) {
			out = append(out, r)
		}
	}
	sortByID(out)
	return out
}

func sortByID(rows []bookRow) {
	slices.SortFunc(rows, func(a, b bookRow) int { return cmp.Compare(a.id, b.id) })
}

func idsOf(rows []bookRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return ids
}

func keysOf(rows []bookRow) []string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.key
	}
	return keys
}

func firstKeys(rows []bookRow) []string {
	return keysOf(rows[:min(len(rows), sampleKeys)])
}

// chunks calls fn with consecutive runs of at most n elements of s.
func chunks[T any](s []T, n int, fn func([]T) error) error {
	for len(s) > 0 {
		k := min(n, len(s))
		if err := fn(s[:k]); err != nil {
			return err
		}
		s = s[k:]
	}
	return nil
}

// deltaState is what a transaction remembers between an entity's Load and
// its Sweep, and across entities.
type deltaState struct {
	books     map[string]*bookIndex // per loaded entity: its bookkeeping, keys met marked seen
	deleted   map[string][]int64    // target ids deleted in this transaction, per entity
	removedAt map[string]bool       // whether an entity's table has removed_at
	analyzed  bool                  // PostgreSQL: handover_rows' statistics checked
}

func newDeltaState() *deltaState {
	return &deltaState{books: map[string]*bookIndex{}, deleted: map[string][]int64{}, removedAt: map[string]bool{}}
}

// sweepOps are the writes a backend does for Sweep.
type sweepOps interface {
	// book returns the bookkeeping Load left for the entity (or reads it).
	book(ctx context.Context, p *plan) (*bookIndex, error)
	// deleteRows deletes the target rows and their bookkeeping, and
	// forgets any cached key → id map of the entity.
	deleteRows(ctx context.Context, p *plan, rows []bookRow) error
	// flagRows sets removed_at on the rows not flagged yet, marks their
	// bookkeeping stale and returns them.
	flagRows(ctx context.Context, p *plan, rows []bookRow) ([]bookRow, error)
	// refsTo returns the target ids of p's rows whose column col holds
	// one of ids.
	refsTo(ctx context.Context, p *plan, col string, ids []int64) ([]int64, error)
	markStale(ctx context.Context, p *plan, keys []string) error
	state() *deltaState
}

// sweep applies p's removal policy, then looks for rows of p that refer to
// rows deleted in this transaction.
func sweep(ctx context.Context, ops sweepOps, p *plan, seen Seen) (Removal, error) {
	r := Removal{Policy: policy(p.e)}
	book, err := ops.book(ctx, p)
	if err != nil {
		return Removal{}, err
	}
	absent := absentRows(book, seen)
	switch {
	case len(absent) == 0:
	case r.Policy == format.RemovedDelete && seen.Unkeyed > 0:
		r.Held, r.Absent, r.Keys = true, int64(len(absent)), firstKeys(absent)
	case r.Policy == format.RemovedDelete:
		if err := ops.deleteRows(ctx, p, absent); err != nil {
			return Removal{}, err
		}
		st := ops.state()
		st.deleted[p.e.Name] = append(st.deleted[p.e.Name], idsOf(absent)...)
		r.Removed, r.Keys = int64(len(absent)), firstKeys(absent)
	case r.Policy == format.RemovedFlag:
		flagged, err := ops.flagRows(ctx, p, absent)
		if err != nil {
			return Removal{}, err
		}
		for _, f := range flagged {
			book.fps[f.i] = fingerprint{}
		}
		r.Removed, r.Absent = int64(len(flagged)), int64(len(absent)-len(flagged))
		r.Keys = firstKeys(flagged)
		if len(flagged) == 0 {
			r.Keys = firstKeys(absent)
		}
	default:
		r.Absent, r.Keys = int64(len(absent)), firstKeys(absent)
	}
	r.Dangling, err = dangling(ctx, ops, p, book)
	return r, err
}

// dangling finds p's rows whose references point at rows deleted in this
// transaction and marks them stale, so that the next import that has them
// rewrites them with the reference resolved again.
func dangling(ctx context.Context, ops sweepOps, p *plan, book *bookIndex) ([]Dangling, error) {
	var out []Dangling
	for i, f := range p.e.Fields {
		gone := ops.state().deleted[f.Entity]
		if f.Type != format.Ref || len(gone) == 0 {
			continue
		}
		ids, err := ops.refsTo(ctx, p, p.columns[i], gone)
		if err != nil {
			return nil, fmt.Errorf("find references to deleted %s rows: %w", f.Entity, err)
		}
		rows := rowsWithIDs(book, ids)
		if len(rows) == 0 {
			continue
		}
		if err := ops.markStale(ctx, p, keysOf(rows)); err != nil {
			return nil, err
		}
		for _, r := range rows {
			book.fps[r.i] = fingerprint{}
		}
		out = append(out, Dangling{Field: f.Name, Entity: f.Entity, Rows: int64(len(rows)), Keys: firstKeys(rows)})
	}
	return out, nil
}

// rowsWithIDs returns the entries of book whose target id is one of ids,
// by id.
func rowsWithIDs(book *bookIndex, ids []int64) []bookRow {
	want := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}
	var out []bookRow
	for i, id := range book.ids {
		if _, ok := want[id]; ok {
			out = append(out, book.row(i))
		}
	}
	sortByID(out)
	return out
}

// rowsWithIDsOf returns the rows whose target id is one of ids.
func rowsWithIDsOf(rows []bookRow, ids []int64) []bookRow {
	want := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}
	var out []bookRow
	for _, r := range rows {
		if _, ok := want[r.id]; ok {
			out = append(out, r)
		}
	}
	return out
}

// checkRemovedAtName refuses a flag policy on an entity that has a field
// stored in the column removed_at.
func checkRemovedAtName(p *plan) error {
	if policy(p.e) != format.RemovedFlag {
		return nil
	}
	for i, c := range p.columns {
		if strings.EqualFold(c, removedAtColumn) {
			return fmt.Errorf("entity %s: field %s uses column %s, which removed: flag needs for itself", p.e.Name, p.e.Fields[i].Name, removedAtColumn)
		}
	}
	return nil
}

// listChunk bounds the ids or keys one statement of the shared code takes.
const listChunk = 50_000
