package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/handover/handover/internal/redact"
)

// Schema holds River's tables in a PostgreSQL state store.
const Schema = "handover_river"

// maxAttempts bounds how often River tries one run's job: a worker that
// dies, or a state store that cannot be reached, costs one attempt.
const maxAttempts = 10

// Queue is River on a state store: it enqueues runs and serves them.
type Queue struct {
	backend backend
	client  riverClient // insert-only
	logger  *slog.Logger
}

// riverClient is what this package uses of a river.Client, whatever its
// driver's transaction type.
type riverClient interface {
	Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
	JobList(ctx context.Context, params *river.JobListParams) (*river.JobListResult, error)
	Start(ctx context.Context) error
	Stop(ctx context.Context) error
}

// backend is one database River can run on.
type backend interface {
	newClient(cfg *river.Config) (riverClient, error)
	migrate(ctx context.Context, logger *slog.Logger) error
	pollInterval() time.Duration
	close()
}

// Open connects to the state store named by dsn ("sqlite:///abs/path" or
// "postgres://…"), runs River's migrations and returns a queue that can
// enqueue runs. Errors never show the DSN's password.
func Open(ctx context.Context, dsn string) (*Queue, error) {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	q, err := open(ctx, dsn, logger)
	if err != nil {
		return nil, fmt.Errorf("open job queue %s: %s", redact.With(dsn, "xxxxx"), redactErr(dsn, err))
	}
	return q, nil
}

func open(ctx context.Context, dsn string, logger *slog.Logger) (*Queue, error) {
	var b backend
	var err error
	switch {
	case strings.HasPrefix(dsn, "sqlite://"):
		b, err = openSQLite(strings.TrimPrefix(dsn, "sqlite://"))
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		b, err = openPostgres(ctx, dsn)
	default:
		return nil, errors.New("unsupported state store: want sqlite:///path/state.db or postgres://…")
	}
	if err != nil {
		return nil, err
	}
	if err := b.migrate(ctx, logger); err != nil {
		b.close()
		return nil, fmt.Errorf("migrate: %w", err)
	}
	c, err := b.newClient(&river.Config{Logger: logger, Schema: schemaOf(b)})
	if err != nil {
		b.close()
		return nil, err
	}
	return &Queue{backend: b, client: c, logger: logger}, nil
}

// Close closes the queue's connections. Serve must have returned.
func (q *Queue) Close() { q.backend.close() }

// Enqueue inserts the job of a run that the state store has queued.
func (q *Queue) Enqueue(ctx context.Context, args RunArgs) error {
	if err := args.Validate(); err != nil {
		return err
	}
	_, err := q.client.Insert(ctx, args, &river.InsertOpts{Queue: QueueName(args.Migration), MaxAttempts: maxAttempts})
	if err != nil {
		return fmt.Errorf("queue run %d: %w", args.Run, err)
	}
	return nil
}

// pendingStates are the states of a job that will still be worked.
var pendingStates = []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending,
	rivertype.JobStateRetryable, rivertype.JobStateRunning, rivertype.JobStateScheduled}

// Pending returns the runs of migration whose job is still to be worked
// (waiting, running, or waiting to be retried).
func (q *Queue) Pending(ctx context.Context, migration string) (map[int]bool, error) {
	params := river.NewJobListParams().Kinds(JobKind).Queues(QueueName(migration)).States(pendingStates...).First(1000)
	runs := map[int]bool{}
	for {
		res, err := q.client.JobList(ctx, params)
		if err != nil {
			return nil, fmt.Errorf("list the pending jobs of %s: %w", migration, err)
		}
		for _, j := range res.Jobs {
			runs[argsRun(j.EncodedArgs)] = true
		}
		if len(res.Jobs) < 1000 || res.LastCursor == nil {
			return runs, nil
		}
		params = params.After(res.LastCursor)
	}
}

func schemaOf(b backend) string {
	if _, ok := b.(*pgBackend); ok {
		return Schema
	}
	return ""
}

// sqliteBackend is River beside the embedded SQLite state store.
type sqliteBackend struct{ db *sql.DB }

// JobsFile is the SQLite file of River's tables beside the state store's
// file: state.db → state-jobs.db. A file of their own, because SQLite has
// one writer at a time: River's fetches and completions would otherwise
// queue behind the runs' records (two workers drained 100 checks in 9.1 s
// sharing state.db, in 5.7 s with a file of their own).
func JobsFile(statePath string) string {
	ext := filepath.Ext(statePath)
	return strings.TrimSuffix(statePath, ext) + "-jobs" + ext
}

func openSQLite(statePath string) (*sqliteBackend, error) {
	if statePath == "" || strings.ContainsAny(statePath, "?#") {
		return nil, fmt.Errorf("bad database file name %q", statePath)
	}
	path := JobsFile(statePath)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1) // River's advice for SQLite: one connection per process
	return &sqliteBackend{db: db}, nil
}

func (b *sqliteBackend) newClient(cfg *river.Config) (riverClient, error) {
	return river.NewClient(riversqlite.New(b.db), cfg)
}

// migrate applies River's migrations in one write transaction, so that
// two processes opening a new store one after the other never both apply
// them.
func (b *sqliteBackend) migrate(ctx context.Context, logger *slog.Logger) error {
	m, err := rivermigrate.New(riversqlite.New(b.db), &rivermigrate.Config{Logger: logger})
	if err != nil {
		return err
	}
	if upToDate(ctx, m) {
		return nil // no write lock taken: the common case
	}
	tx, err := b.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	//lint:ignore SA1019 one transaction is what serialises concurrent openers on SQLite
	if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
		return err
	}
	return tx.Commit()
}

// upToDate reports whether every River migration is applied (an error
// reads as no: the migration then says what is wrong).
func upToDate[TTx any](ctx context.Context, m *rivermigrate.Migrator[TTx]) bool {
	have, err := m.ExistingVersions(ctx)
	return err == nil && len(have) == len(m.AllVersions())
}

// SQLite has no LISTEN/NOTIFY: workers poll, cheaply, a local file.
func (b *sqliteBackend) pollInterval() time.Duration { return 50 * time.Millisecond }
func (b *sqliteBackend) close()                      { b.db.Close() }

// pgBackend is River on a PostgreSQL state store, in schema Schema.
type pgBackend struct{ pool *pgxpool.Pool }

func openPostgres(ctx context.Context, dsn string) (*pgBackend, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return &pgBackend{pool: pool}, nil
}

func (b *pgBackend) newClient(cfg *river.Config) (riverClient, error) {
	return river.NewClient(riverpgxv5.New(b.pool), cfg)
}

// migrateLock is the advisory lock that serialises River's migrations
// among processes opening the same store ("hoRiver!" in ASCII).
const migrateLock = 0x686f526976657221

// migrate creates Schema and applies River's migrations under an advisory
// lock held on a connection of its own.
func (b *pgBackend) migrate(ctx context.Context, logger *slog.Logger) error {
	m, err := rivermigrate.New(riverpgxv5.New(b.pool), &rivermigrate.Config{Logger: logger, Schema: Schema})
	if err != nil {
		return err
	}
	if upToDate(ctx, m) {
		return nil
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLock)); err != nil {
		return err
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(migrateLock))
	if _, err := conn.Exec(ctx, "CREATE SCHEMA IF NOT EXISTS "+pgx.Identifier{Schema}.Sanitize()); err != nil {
		return err
	}
	_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	return err
}

func (b *pgBackend) pollInterval() time.Duration { return time.Second }
func (b *pgBackend) close()                      { b.pool.Close() }

// redactErr is err's message without the DSN's password, also where a
// driver repeats it.
func redactErr(dsn string, err error) string {
	msg := redact.With(err.Error(), "xxxxx")
	if pw := password(dsn); len(pw) >= 4 {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

func password(dsn string) string {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil || !strings.HasPrefix(dsn, "postgres") {
		return ""
	}
	return cfg.Password
}
