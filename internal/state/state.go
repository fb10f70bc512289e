// Package state is the state store: runs, approvals and the audit log, in
// SQLite under the project's .handover/ by default or in PostgreSQL.
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
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/redact"
)

// Run is one recorded run.
type Run struct {
	Number     int
	Kind       string
	Env        string
	Extraction int
	Status     string
	Started    time.Time
	Finished   time.Time          // zero while running
	PID        int                // process that runs it, for detecting interrupted runs
	Host       string             // host the process runs on
	Artifacts  string             // artifacts directory
	Protocol   *protocol.Protocol // nil until finished
}

// DefaultSchema holds the tables in PostgreSQL when the DSN names no
// search_path.
const DefaultSchema = "handover_state"

// busyTimeout is how long an SQLite connection waits for another process's
// write lock, in milliseconds.
const busyTimeout = 10000

// ErrNotFound is matched (errors.Is) by the error for a run that does not
// exist.
var ErrNotFound = errors.New("not found")

// Store is an open state store. It is safe for concurrent use, also by
// several processes on the same database.
type Store struct {
	db       *sql.DB
	postgres bool   // false: SQLite
	schema   string // PostgreSQL: the schema holding the tables
	host     string
}

// Open opens (and creates or migrates) the state store named by dsn:
// "sqlite:///abs/path/state.db" or "postgres://…" / "postgresql://…".
// Errors never show the DSN's password.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := open(ctx, dsn)
	if err != nil {
		return nil, &openError{dsn: dsn, err: err}
	}
	return s, nil
}

func open(ctx context.Context, dsn string) (*Store, error) {
	host, _ := os.Hostname()
	s := &Store{host: host}
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		s.db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		s.postgres = true
		s.db, s.schema, err = openPostgres(dsn)
	default:
		return nil, errors.New("unsupported state store: want sqlite:///path/state.db or postgres://…")
	}
	if err != nil {
		return nil, err
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func openSQLite(path string) (*sql.DB, error) {
	switch {
	case path == "":
		return nil, errors.New("no database file named")
	case strings.ContainsAny(path, "?#"):
		return nil, errors.New("the database file name may not contain '?' or '#'")
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

// openError reports a failure to open the store with the DSN, its password
// redacted, also where the driver's own message would repeat it.
type openError struct {
	dsn string
	err error
}

func (e *openError) Error() string {
	msg := fmt.Sprintf("open state store %s: %v", RedactDSN(e.dsn), e.err)
	if pw := password(e.dsn); len(pw) >= 4 {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

func (e *openError) Unwrap() error { return e.err }

// RedactDSN returns dsn with its credentials replaced by "xxxxx" (see
// redact.With: URL user info, secret query parameters, key=value
// passwords); a URL that does not parse shows its scheme only.
func RedactDSN(dsn string) string {
	if scheme, _, isURL := strings.Cut(dsn, "://"); isURL {
		if _, err := url.Parse(dsn); err != nil {
			return scheme + "://(unparsable, hidden)"
		}
	}
	return redact.With(dsn, "xxxxx")
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
