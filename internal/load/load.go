// Package load writes validated rows into an environment's database
// (SQLite or PostgreSQL): target tables created or checked, upsert by key,
// references resolved to target ids, bookkeeping (fingerprint and target id
// per key) in the same transaction as the data.
package load

import (
	"context"

	"github.com/handover/handover/internal/format"
)

// Record is one valid row as the engine hands it over. Values are aligned to
// the entity's Fields in canonical text form ("" = null); ref fields hold the
// referenced entity's source key.
type Record struct {
	Line   int
	Values []string
}

// Batches yields the valid records of one entity, in source order, batch by
// batch; it returns io.EOF after the last batch.
type Batches interface {
	Next(ctx context.Context) ([]Record, error)
}

// Counts are what loading one entity did.
type Counts struct {
	Inserted  int64
	Updated   int64
	Unchanged int64
	Removed   int64
}

// Target is an environment's database.
type Target interface {
	// Begin starts the one transaction of an import, after taking the
	// environment's lock (a second concurrent import is refused with a
	// clear error). It creates missing target tables from the format and
	// checks existing ones, refusing with one error listing every mismatch
	// before anything is written.
	Begin(ctx context.Context, f *format.Format) (Tx, error)
	Close() error
}

// Tx is one import's transaction.
type Tx interface {
	// Keys returns the source keys of an entity already present in the
	// environment (for resolving references to rows of earlier runs).
	Keys(ctx context.Context, entity string) (map[string]struct{}, error)
	// Load upserts one entity's records by key.
	Load(ctx context.Context, e *format.Entity, rows Batches) (Counts, error)
	Commit(ctx context.Context) error
	Rollback(ctx context.Context) error
}
