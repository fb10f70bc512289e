// Package load is the contract between the engine and an environment's
// database: the Target and Tx interfaces, the records they take, what they
// report and the errors callers decide on. A backend (load/sqlite,
// load/postgres, load/memory) creates or checks the target tables, upserts
// by key, resolves references to target ids and keeps its bookkeeping
// (fingerprint and target id per key) in the same transaction as the data;
// what the backends share lives in load/internal/core, and load/loadtest is
// the conformance suite every backend passes. load/targets opens a DSN
// with the backend its scheme names.
package load

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/redact"
)

// Record is one valid row as the engine hands it over. Values are aligned to
// the entity's Fields in canonical text form ("" = null); ref fields hold the
// referenced entity's source key.
type Record struct {
	Line   int
	Values []string
	// Skip is the engine's data for skipping the record's raw row on the
	// next import (SkipReader); nil when the import does not skip.
	Skip []byte
	// Fingerprint is Fingerprint(Values), when HasFingerprint: the engine
	// computes it on its workers (for the protocol's hash of the valid
	// rows), so a backend need not hash the record a second time.
	Fingerprint    [FingerprintSize]byte
	HasFingerprint bool
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

// Fixer is an optional capability of a Tx (found by type assertion): the
// reference fix-up. A target without it cannot run fix-up rules; an import
// with rules into it fails naming the environment.
type Fixer interface {
	// Fixup runs fix-up rules over the current rows of their entities
	// (after the loads, so references to rows of this run resolve) and
	// returns what each rule did; report receives every match left
	// unresolved. It changes target values only, never the bookkeeping.
	Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error)
}

// FixupPreparer is an optional capability of a Tx that is a Fixer: told
// an import's fix-up rules before its loads, the loads rewrite the links
// whose target they already know as they write the rows, instead of the
// pass after the loads updating those rows. Fixup then gives the result
// and the counts of a pass over every row.
type FixupPreparer interface {
	PrepareFixups(rules []*fixup.Rule)
}

// Options configure a Target.
type Options struct {
	Env string           // environment name: the lock's name, and in messages
	Now func() time.Time // clock; time.Now when nil

	// Holder describes who takes the environment's lock ("run 12 (import)
	// on host h since 10:04:05 UTC"); an import that waits for the lock is
	// shown it where the database can tell (PostgreSQL).
	Holder string
	// LockWait is how long Begin waits for another import's lock before
	// it returns a *BusyError; 0: it does not wait.
	LockWait time.Duration
	// OnWait, when set, is called while Begin waits for the lock, once per
	// holder seen ("" when the database cannot tell who holds it).
	OnWait func(holder string)
	// Memory is the run's memory budget in bytes: a loader's per-key state
	// (the key → target id index of a referenced entity) spills to disk
	// past a share of it. 0: no limit. The caller (app) passes each run its
	// share of the process's budget; the process's soft memory limit is
	// shared by every run it executes at once, so it is never read here.
	Memory int64
}

// CurrentTime is the time by the options' clock.
func (o Options) CurrentTime() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// MemoryBudget is the run's memory budget in bytes: Memory, 0 (no limit)
// when not positive.
func (o Options) MemoryBudget() int64 { return max(o.Memory, 0) }

// BusyError is returned by Begin when another import into the same
// environment holds its lock.
type BusyError struct {
	Env    string
	Holder string // who holds the lock, when the database can tell
	Waited time.Duration
}

func (e *BusyError) Error() string {
	msg := fmt.Sprintf("another import into environment %q is running", e.Env)
	if e.Holder != "" {
		msg += " (" + e.Holder + ")"
	}
	if e.Waited > 0 {
		return msg + fmt.Sprintf("; waited %s for it to finish (--lock-timeout)", e.Waited.Round(time.Second))
	}
	return msg + "; wait for it to finish"
}

// SchemaError lists every way the existing target tables differ from the
// format. Begin returns it before anything is written.
type SchemaError struct {
	Tables []TableMismatch
}

// TableMismatch is what is wrong with one existing table.
type TableMismatch struct {
	Table    string
	Problems []string // "column birth_date is text, the format needs date"
}

func (e *SchemaError) Error() string {
	parts := make([]string, len(e.Tables))
	for i, t := range e.Tables {
		parts[i] = "table " + t.Table + ": " + strings.Join(t.Problems, "; ")
	}
	return strings.Join(parts, "; ")
}

// Redact returns dsn with its credentials replaced by *** (see redact.DSN).
func Redact(dsn string) string { return redact.DSN(dsn) }

// UniqueValues is an optional capability of a Tx (found by type
// assertion): the values the environment already holds in an entity's
// unique fields, so that an import rejects a value another key holds
// instead of failing on the table's UNIQUE constraint. Values stream in
// canonical text form; the caller keeps them as hashes (the engine's key
// indexes), not as a map.
type UniqueValues interface {
	// UniqueValues calls fn with every non-null value of the entity's
	// field e.Fields[field] in its table and the key of the row that
	// holds it. fn must copy what it keeps: the strings may share the
	// backend's memory, valid only during the call.
	UniqueValues(ctx context.Context, e *format.Entity, field int, fn func(value, key string) error) error
}
