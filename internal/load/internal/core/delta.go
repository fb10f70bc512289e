package core

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"unsafe"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
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

// RemovedAtColumn is the column the flag policy sets.
const RemovedAtColumn = "removed_at"

// sampleKeys is how many keys a removal or a diff lists.
const sampleKeys = protocol.DiffSampleKeys

// Stale reports whether fp marks a row to rewrite when its key comes back.
func (fp Fingerprint) Stale() bool { return fp == Fingerprint{} }

// Policy is an entity's removal policy, keep when unset.
func Policy(e *format.Entity) string {
	if e.Removed == "" {
		return format.RemovedKeep
	}
	return e.Removed
}

// BookRow is one bookkeeping entry: its place in the bookIndex, key,
// target id and fingerprint.
type BookRow struct {
	Index int
	Key   string
	ID    int64
	FP    Fingerprint
}

func (b *Book) Row(i int) BookRow {
	return BookRow{Index: i, Key: string(b.Key(i)), ID: b.IDs[i], FP: b.FPs[i]}
}

// NewSizedBook returns an empty bookIndex with room for n entries whose
// keys take keyBytes together, so that reading a million keys does not
// grow and rehash it twenty times. Small or unknown sizes start small;
// keyBytes 0: estimated from the first keys (reserveKeys).
func NewSizedBook(n, keyBytes int64) *Book {
	b := NewBook()
	if n < 1024 {
		return b
	}
	slots := len(b.slots)
	for slots < int(2*n+2) {
		slots *= 2
	}
	b.slots = make([]uint64, slots)
	b.keys = make([]byte, 0, keyBytes)
	b.ends = make([]uint32, 0, n)
	b.FPs = make([]Fingerprint, 0, n)
	b.IDs = make([]int64, 0, n)
	b.seen = make([]uint64, 0, n/64+1)
	return b
}

// StaleEntries lists the stale entries of book. Taken before a load, the
// ones the load then meets are the rows it rewrote that may carry a
// removed_at to clear.
func StaleEntries(book *Book) []int {
	var out []int
	for i, fp := range book.FPs {
		if fp.Stale() {
			out = append(out, i)
		}
	}
	return out
}

// MetIDs returns the target ids of the entries the load met.
func MetIDs(book *Book, entries []int) []int64 {
	var ids []int64
	for _, i := range entries {
		if book.IsSeen(i) {
			ids = append(ids, book.IDs[i])
		}
	}
	return ids
}

// absentRows lists the entries of book that the load did not meet and the
// extraction does not have, by target id. seen.Skipped is taken for the
// places of book's entries: the caller clears it when book is not the
// bookkeeping Skips read.
func absentRows(book *Book, seen load.Seen) []BookRow {
	var out []BookRow
	for i := range book.Len() {
		if book.IsSeen(i) || seen.SkippedAt(i) {
			continue
		}
		// The key is asked without a copy: a million unchanged keys are
		// not a million allocations (Seen.Has keeps nothing).
		if k := book.Key(i); !seen.HasKey(unsafe.String(unsafe.SliceData(k), len(k))) {
			out = append(out, book.Row(i))
		}
	}
	sortByID(out)
	return out
}

func sortByID(rows []BookRow) {
	slices.SortFunc(rows, func(a, b BookRow) int { return cmp.Compare(a.ID, b.ID) })
}

func IDsOf(rows []BookRow) []int64 {
	ids := make([]int64, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids
}

func KeysOf(rows []BookRow) []string {
	keys := make([]string, len(rows))
	for i, r := range rows {
		keys[i] = r.Key
	}
	return keys
}

func firstKeys(rows []BookRow) []string {
	return KeysOf(rows[:min(len(rows), sampleKeys)])
}

// Chunks calls fn with consecutive runs of at most n elements of s.
func Chunks[T any](s []T, n int, fn func([]T) error) error {
	for len(s) > 0 {
		k := min(n, len(s))
		if err := fn(s[:k]); err != nil {
			return err
		}
		s = s[k:]
	}
	return nil
}

// DeltaState is what a transaction remembers between an entity's Load and
// its Sweep, and across entities.
type DeltaState struct {
	Books     map[string]*Book   // per loaded entity: its bookkeeping, keys met marked seen
	SkipBooks map[string]*Book   // per entity: the bookkeeping Skips read, whose places Seen.Skipped names
	Deleted   map[string][]int64 // target ids deleted in this transaction, per entity
	RemovedAt map[string]bool    // whether an entity's table has removed_at
	Analyzed  bool               // PostgreSQL: handover_rows' statistics checked
}

func NewDeltaState() *DeltaState {
	return &DeltaState{Books: map[string]*Book{}, SkipBooks: map[string]*Book{}, Deleted: map[string][]int64{}, RemovedAt: map[string]bool{}}
}

// SweepOps are the writes a backend does for Sweep.
type SweepOps interface {
	// book returns the bookkeeping Load left for the entity (or reads it).
	Book(ctx context.Context, p *Mapping) (*Book, error)
	// deleteRows deletes the target rows and their bookkeeping, and
	// forgets any cached key → id map of the entity.
	DeleteRows(ctx context.Context, p *Mapping, rows []BookRow) error
	// flagRows sets removed_at on the rows not flagged yet, marks their
	// bookkeeping stale and returns them.
	FlagRows(ctx context.Context, p *Mapping, rows []BookRow) ([]BookRow, error)
	// refsTo returns the target ids of p's rows whose column col holds
	// one of ids.
	RefsTo(ctx context.Context, p *Mapping, col string, ids []int64) ([]int64, error)
	MarkStale(ctx context.Context, p *Mapping, keys []string) error
	State() *DeltaState
}

// Sweep applies p's removal policy, then looks for rows of p that refer to
// rows deleted in this transaction.
func Sweep(ctx context.Context, ops SweepOps, p *Mapping, seen load.Seen) (load.Removal, error) {
	r := load.Removal{Policy: Policy(p.Entity)}
	book, err := ops.Book(ctx, p)
	if err != nil {
		return load.Removal{}, err
	}
	if ops.State().SkipBooks[p.Entity.Name] != book {
		seen.Skipped = nil // its places are those of another reading of the bookkeeping
	}
	absent := absentRows(book, seen)
	switch {
	case len(absent) == 0:
	case r.Policy == format.RemovedDelete && seen.Unkeyed > 0:
		r.Held, r.Absent, r.Keys = true, int64(len(absent)), firstKeys(absent)
	case r.Policy == format.RemovedDelete:
		if err := ops.DeleteRows(ctx, p, absent); err != nil {
			return load.Removal{}, err
		}
		st := ops.State()
		st.Deleted[p.Entity.Name] = append(st.Deleted[p.Entity.Name], IDsOf(absent)...)
		r.Removed, r.Keys = int64(len(absent)), firstKeys(absent)
	case r.Policy == format.RemovedFlag:
		flagged, err := ops.FlagRows(ctx, p, absent)
		if err != nil {
			return load.Removal{}, err
		}
		for _, f := range flagged {
			book.FPs[f.Index] = Fingerprint{}
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
func dangling(ctx context.Context, ops SweepOps, p *Mapping, book *Book) ([]load.Dangling, error) {
	var out []load.Dangling
	for i, f := range p.Entity.Fields {
		gone := ops.State().Deleted[f.Entity]
		if f.Type != format.Ref || len(gone) == 0 {
			continue
		}
		ids, err := ops.RefsTo(ctx, p, p.Columns[i], gone)
		if err != nil {
			return nil, fmt.Errorf("find references to deleted %s rows: %w", f.Entity, err)
		}
		rows := rowsWithIDs(book, ids)
		if len(rows) == 0 {
			continue
		}
		if err := ops.MarkStale(ctx, p, KeysOf(rows)); err != nil {
			return nil, err
		}
		for _, r := range rows {
			book.FPs[r.Index] = Fingerprint{}
		}
		out = append(out, load.Dangling{Field: f.Name, Entity: f.Entity, Rows: int64(len(rows)), Keys: firstKeys(rows)})
	}
	return out, nil
}

// rowsWithIDs returns the entries of book whose target id is one of ids,
// by id.
func rowsWithIDs(book *Book, ids []int64) []BookRow {
	want := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}
	var out []BookRow
	for i, id := range book.IDs {
		if _, ok := want[id]; ok {
			out = append(out, book.Row(i))
		}
	}
	sortByID(out)
	return out
}

// RowsWithIDsOf returns the rows whose target id is one of ids.
func RowsWithIDsOf(rows []BookRow, ids []int64) []BookRow {
	want := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		want[id] = struct{}{}
	}
	var out []BookRow
	for _, r := range rows {
		if _, ok := want[r.ID]; ok {
			out = append(out, r)
		}
	}
	return out
}

// CheckRemovedAtName refuses a flag policy on an entity that has a field
// stored in the column removed_at.
func CheckRemovedAtName(p *Mapping) error {
	if Policy(p.Entity) != format.RemovedFlag {
		return nil
	}
	for i, c := range p.Columns {
		if strings.EqualFold(c, RemovedAtColumn) {
			return fmt.Errorf("entity %s: field %s uses column %s, which removed: flag needs for itself", p.Entity.Name, p.Entity.Fields[i].Name, RemovedAtColumn)
		}
	}
	return nil
}

// listChunk bounds the ids or keys one statement of the shared code takes.
const listChunk = 50_000
