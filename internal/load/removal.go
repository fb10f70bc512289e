package load

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/protocol"
)

// Seen is what the engine saw of one entity in the extraction.
type Seen struct {
	// Has reports whether a valid or a rejected row of the extraction has
	// the key. Nil: no key (every row of the environment is absent). The
	// key may share memory the caller reuses: Has must not keep it.
	Has func(key string) bool
	// Unkeyed counts rejected rows whose key could not be read (a ragged
	// row, an invalid key). While there are any, the delete policy is held
	// back: such a row could stand for any of the absent ones.
	Unkeyed int64
	// Skipped has a bit set for each bookkeeping entry, by the place
	// SkipReader.Skips gave it, whose row the engine skipped: the
	// extraction has its key, and Has need not be asked for it (a million
	// lookups in a delta's sweep). Nil: none known.
	Skipped []uint64
}

func (s Seen) HasKey(key string) bool { return s.Has != nil && s.Has(key) }

// SkippedAt reports whether the bit of the bookkeeping entry at place is
// set in Skipped.
func (s Seen) SkippedAt(place int) bool {
	return place/64 < len(s.Skipped) && s.Skipped[place/64]&(1<<(place%64)) != 0
}

// Removal is what an entity's removal policy did (in a diff: would do)
// with the rows of the environment whose key the extraction no longer has.
type Removal struct {
	Policy  string   // keep, delete or flag
	Removed int64    // deleted, or newly flagged
	Absent  int64    // left as they were: kept, already flagged, or held back
	Held    bool     // delete held back because of rejected rows without a key
	Keys    []string // the first removed, else absent, keys by target id
	// Dangling lists, per ref field of the entity, its rows whose
	// reference points at a row deleted in this transaction.
	Dangling []Dangling
}

// Dangling is a number of rows whose reference points at deleted rows.
type Dangling struct {
	Field  string   // the ref field
	Entity string   // the entity it refers to
	Rows   int64    // rows of the swept entity that point at deleted rows
	Keys   []string // the first of their keys
}

// Sweeper applies removal policies. The transactions of both backends
// implement it; the engine calls Sweep once per entity, after its Load.
type Sweeper interface {
	Sweep(ctx context.Context, e *format.Entity, seen Seen) (Removal, error)
}

// DiffTx computes what an import would do without writing anything: Load
// sorts the records and Sweep the absent rows exactly as an import would,
// Keys hides the rows a diff of an earlier entity would delete, Diff
// returns an entity's diff with sample keys and changed fields; Commit
// fails, Rollback ends the transaction.
type DiffTx interface {
	Tx
	Sweeper
	Diff(entity string) *protocol.EntityDiff
}

// Differ is a Target that can compute diffs; both backends are.
type Differ interface {
	// BeginDiff takes the environment's lock like Begin (the tables it
	// would create exist only inside the transaction) and returns a
	// transaction that writes nothing.
	BeginDiff(ctx context.Context, f *format.Format) (DiffTx, error)
}

// BeginDiff starts a diff on t.
func BeginDiff(ctx context.Context, t Target, f *format.Format) (DiffTx, error) {
	d, ok := t.(Differ)
	if !ok {
		return nil, fmt.Errorf("begin diff: the environment's database cannot compute a diff")
	}
	return d.BeginDiff(ctx, f)
}
