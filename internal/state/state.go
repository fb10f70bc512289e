// Package state is the state store: runs, sign-offs, facts, the audit
// chain and the event outbox, in SQLite under the project's .handover/ by
// default or in PostgreSQL for teams. Several migrations (projects) may
// share one store; each Store value is scoped to one of them.
//
// # Opening
//
//	st, err := state.Open(ctx, dsn, state.Options{
//		Migration: p.Migration,        // the tenant: every query is scoped to it
//		AuditKey:  key,                // from state.LoadAuditKey(getenv): HMAC chain; nil: plain sha256 chain
//		Now:       clock,              // default time.Now
//		ReadOnly:  true,               // for runs, show, plan, status, audit: never writes
//	})
//
// A ReadOnly store never writes: it does not create or upgrade the schema
// (a missing store reads as empty; an older schema is a *SchemaVersionError
// asking for a command that records), it does not reap, and every writing
// method returns ErrReadOnly. Runs whose lease expired read as
// "interrupted" all the same. Mutating commands open without ReadOnly and
// call Reap once, which records those runs as interrupted (with an audit
// entry each).
//
// # Runs and leases
//
// BeginRun records a run as running, holding a lease (holder, host, pid,
// expiry = Now + LeaseTTL). The executing process calls Renew every
// LeaseTTL/3; a run whose lease expired (or whose holder is a process of
// this host that is gone) is interrupted, whichever machine ran it.
// QueueRun records a queued run (no lease) that a worker later takes with
// ClaimRun; FinishRun stores the outcome, its audit entry and its outbox
// events in one transaction. Run numbers count per migration.
//
// # The audit chain
//
// Audit appends an entry; every sign-off (AddApproval), run outcome
// (FinishRun, Reap) and config change is one. Each entry's hash covers
// the previous entry's hash, and with an AuditKey it is an HMAC, so
// rewriting entries and recomputing hashes no longer verifies. AuditHead
// returns the chain's head (an Anchor), which the application writes into
// each environment's database and each event; VerifyAudit(ctx, anchors...)
// reports changed entries, removed entries, a removed tail (an anchor the
// chain no longer reaches) and forged sign-off rows. Approvals returns only
// sign-offs backed by a valid chain entry: a row inserted by hand counts
// for nothing.
//
// # The outbox
//
// Events are rows of the outbox (one per event and webhook), written in
// the same transaction as the record they report (FinishRun, AddApproval,
// or Enqueue alone); notify.Sender delivers them with retries, at least
// once, each with a stable event id for the receiver to deduplicate.
package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/handover/handover/internal/redact"
)

// DefaultSchema holds the tables in PostgreSQL when the DSN names no
// search_path.
const DefaultSchema = "handover_state"

// DefaultLeaseTTL is how long a run's lease lasts without a Renew.
const DefaultLeaseTTL = 30 * time.Second

// busyTimeout is how long an SQLite connection waits for another process's
// write lock, in milliseconds.
const busyTimeout = 10000

// ErrNotFound is matched (errors.Is) by the error for a run that does not
// exist.
var ErrNotFound = errors.New("not found")

// ErrReadOnly is returned by every writing method of a ReadOnly store.
var ErrReadOnly = errors.New("the state store was opened read-only")

// Options scope and tune a Store; the zero value is a single-project store
// with a plain (unkeyed) audit chain.
type Options struct {
	// Migration names the tenant (handover.yaml's migration:). Runs, run
	// numbers, sign-offs, facts, the audit chain and the outbox are per
	// migration. Data of a schema-1 store is adopted by the first
	// migration that opens it.
	Migration string
	// AuditKey makes the audit chain an HMAC-SHA256 chain (see
	// LoadAuditKey). Without it the chain is plain sha256, and a chain
	// that holds keyed entries cannot be verified or extended.
	AuditKey []byte
	// Now is the clock; default time.Now.
	Now func() time.Time
	// ReadOnly: never write (see the package documentation).
	ReadOnly bool
	// LeaseTTL is the lease of a run; default DefaultLeaseTTL.
	LeaseTTL time.Duration
	// Holder identifies this process as a lease holder (a worker id);
	// default "host:pid".
	Holder string
}

// Store is an open state store, scoped to one migration. It is safe for
// concurrent use, also by several processes on the same database.
type Store struct {
	db        *sql.DB
	postgres  bool   // false: SQLite
	schema    string // PostgreSQL: the schema holding the tables
	host      string
	pid       int
	migration string
	key       []byte
	now       func() time.Time
	readOnly  bool
	ttl       time.Duration
	holder    string
}

// Open opens the state store named by dsn — "sqlite:///abs/path/state.db"
// or "postgres://…" / "postgresql://…" — creating or upgrading its schema
// unless opts.ReadOnly. Errors never show the DSN's password.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s, err := open(ctx, dsn, opts)
	if err != nil {
		return nil, &openError{dsn: dsn, err: err}
	}
	return s, nil
}

func newStore(opts Options) *Store {
	host, _ := os.Hostname()
	s := &Store{host: host, pid: os.Getpid(), migration: opts.Migration, key: opts.AuditKey,
		now: opts.Now, readOnly: opts.ReadOnly, ttl: opts.LeaseTTL, holder: opts.Holder}
	if s.now == nil {
		s.now = time.Now
	}
	if s.ttl <= 0 {
		s.ttl = DefaultLeaseTTL
	}
	if s.holder == "" {
		s.holder = fmt.Sprintf("%s:%d", host, s.pid)
	}
	return s
}

func open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	s := newStore(opts)
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		s.db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite://"), opts.ReadOnly)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.postgres = true
		s.db, s.schema, err = openPostgres(dsn)
	default:
		return nil, errors.New("unsupported state store: want sqlite:///path/state.db or postgres://…")
	}
	if errors.Is(err, errNoStore) {
		return s.openEmpty(ctx)
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if opts.ReadOnly {
		err = s.checkVersion(ctx)
	} else {
		err = s.migrate(ctx)
	}
	if errors.Is(err, errNoStore) {
		s.db.Close()
		return s.openEmpty(ctx)
	}
	if err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

// errNoStore: a read-only open found no store (no file, no schema).
var errNoStore = errors.New("no state store yet")

// openEmpty makes s a read-only view of an empty store: an in-memory
// SQLite database with the current schema, so that reading a store that
// does not exist yet writes nothing anywhere.
func (s *Store) openEmpty(ctx context.Context) (*Store, error) {
	db, err := sql.Open("sqlite", "file::memory:")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // each connection would be another empty database
	s.db, s.postgres, s.schema = db, false, ""
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string, readOnly bool) (*sql.DB, error) {
	switch {
	case path == "":
		return nil, errors.New("no database file named")
	case strings.ContainsAny(path, "?#"):
		return nil, errors.New("the database file name may not contain '?' or '#'")
	}
	if readOnly {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, errNoStore
		}
		return sql.Open("sqlite", path+fmt.Sprintf("?_busy_timeout=%d&_foreign_keys=1", busyTimeout))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	params := fmt.Sprintf("?_busy_timeout=%d&_journal_mode=WAL&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate", busyTimeout)
	return sql.Open("sqlite", path+params)
}

// openPostgres connects with the DSN's search_path, or with DefaultSchema
// when it names none, and returns the schema that will hold the tables.
func openPostgres(dsn string) (*sql.DB, string, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, "", err
	}
	schema := searchPath(cfg)
	if schema == "" {
		schema = DefaultSchema
		cfg.RuntimeParams["search_path"] = schema
	}
	return stdlib.OpenDB(*cfg), schema, nil
}

// searchPath is the first schema of the connection's search_path, "" when
// it sets none.
func searchPath(cfg *pgx.ConnConfig) string {
	for _, s := range strings.Split(cfg.RuntimeParams["search_path"], ",") {
		s = strings.Trim(strings.TrimSpace(s), `"`)
		if s != "" && s != "$user" {
			return s
		}
	}
	return ""
}

// Close closes the database connections.
func (s *Store) Close() error { return s.db.Close() }

// Migration is the migration the store is scoped to.
func (s *Store) Migration() string { return s.migration }

// writable returns ErrReadOnly, wrapped with what, on a read-only store.
func (s *Store) writable(what string) error {
	if s.readOnly {
		return fmt.Errorf("%s: %w", what, ErrReadOnly)
	}
	return nil
}

// openError reports a failure to open the store with the DSN, its password
// redacted, also where the driver's own message would repeat it.
type openError struct {
	dsn string
	err error
}

func (e *openError) Error() string {
	cause := e.err.Error()
	var pce *pgconn.ParseConfigError
	if errors.As(e.err, &pce) {
		// pgx repeats the DSN in backticks, masked its own way: say what is
		// wrong without it.
		if i := strings.Index(cause, "`: "); i >= 0 {
			cause = cause[i+3:]
		}
	}
	msg := fmt.Sprintf("open state store %s: %s", RedactDSN(e.dsn), cause)
	if pw := password(e.dsn); len(pw) >= 4 {
		msg = strings.ReplaceAll(msg, pw, "***")
	}
	return msg
}

func (e *openError) Unwrap() error { return e.err }

// RedactDSN returns dsn with its credentials replaced by "***", as every
// other output does (see redact.DSN: URL user info, secret query parameters, key=value
// passwords); a URL that does not parse shows its scheme only.
func RedactDSN(dsn string) string {
	if scheme, _, isURL := strings.Cut(dsn, "://"); isURL {
		if _, err := url.Parse(dsn); err != nil {
			return scheme + "://(unparsable, hidden)"
		}
	}
	return redact.DSN(dsn)
}

func password(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return ""
	}
	if pw, ok := u.User.Password(); ok {
		return pw
	}
	return u.Query().Get("password")
}
