package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrateLock is the PostgreSQL advisory lock key that serialises
// concurrent migrations ("handover" in ASCII).
const migrateLock = 0x68616e646f766572

// SchemaVersionError reports a database written by a newer handover.
type SchemaVersionError struct {
	Found int // version recorded in the database
	Known int // newest version this binary knows
}

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("the state store has schema version %d but this handover knows only up to version %d: upgrade handover", e.Found, e.Known)
}

// Migrations, one list of statements per schema version, in order. Never
// change a released entry: append a new version.
var (
	sqliteMigrations = [][]string{{
		`CREATE TABLE runs (
			number     INTEGER PRIMARY KEY,
			kind       TEXT NOT NULL,
			env        TEXT NOT NULL DEFAULT '',
			extraction INTEGER NOT NULL DEFAULT 0,
			status     TEXT NOT NULL,
			started    TEXT NOT NULL,
			finished   TEXT,
			pid        INTEGER NOT NULL DEFAULT 0,
			host       TEXT NOT NULL DEFAULT '',
			artifacts  TEXT NOT NULL DEFAULT '',
			protocol   TEXT)`,
		`CREATE INDEX runs_env ON runs (env, number)`,
		`CREATE INDEX runs_status ON runs (status)`,
		`CREATE TABLE approvals (
			id      INTEGER PRIMARY KEY AUTOINCREMENT,
			run     INTEGER NOT NULL REFERENCES runs (number),
			role    TEXT NOT NULL,
			by_name TEXT NOT NULL,
			note    TEXT NOT NULL DEFAULT '',
			at      TEXT NOT NULL,
			refused INTEGER NOT NULL DEFAULT 0)`,
		`CREATE INDEX approvals_run ON approvals (run)`,
		`CREATE TABLE audit (
			seq       INTEGER PRIMARY KEY,
			at        TEXT NOT NULL,
			actor     TEXT NOT NULL,
			action    TEXT NOT NULL,
			detail    TEXT NOT NULL,
			prev_hash TEXT NOT NULL,
			hash      TEXT NOT NULL)`,
		`CREATE TABLE facts (
			key   TEXT PRIMARY KEY,
			value TEXT NOT NULL,
			at    TEXT NOT NULL)`,
	}}
	postgresMigrations = [][]string{{
		`CREATE TABLE runs (
			number     INTEGER PRIMARY KEY,
			kind       TEXT NOT NULL,
			env        TEXT NOT NULL DEFAULT '',
			extraction INTEGER NOT NULL DEFAULT 0,
			status     TEXT NOT NULL,
			started    TIMESTAMPTZ NOT NULL,
			finished   TIMESTAMPTZ,
			pid        INTEGER NOT NULL DEFAULT 0,
			host       TEXT NOT NULL DEFAULT '',
			artifacts  TEXT NOT NULL DEFAULT '',
			protocol   TEXT)`,
		`CREATE INDEX runs_env ON runs (env, number)`,
		`CREATE INDEX runs_status ON runs (status)`,
		`CREATE TABLE approvals (
			id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			run     INTEGER NOT NULL REFERENCES runs (number),
			role    TEXT NOT NULL,
			by_name TEXT NOT NULL,
			note    TEXT NOT NULL DEFAULT '',
			at      TIMESTAMPTZ NOT NULL,
			refused BOOLEAN NOT NULL DEFAULT false)`,
		`CREATE INDEX approvals_run ON approvals (run)`,
		`CREATE TABLE audit (
			seq       BIGINT PRIMARY KEY,
			at        TIMESTAMPTZ NOT NULL,
			actor     TEXT NOT NULL,
			action    TEXT NOT NULL,
			detail    TEXT NOT NULL,
			prev_hash TEXT NOT NULL,
			hash      TEXT NOT NULL)`,
		`CREATE TABLE facts (
			key   TEXT PRIMARY KEY,
			value TEXT NOT NULL,
			at    TIMESTAMPTZ NOT NULL)`,
	}}
)

func (s *Store) migrations() [][]string {
	if s.postgres {
		return postgresMigrations
	}
	return sqliteMigrations
}

// migrate brings the schema to the newest version in one transaction, or
// refuses a database newer than this binary.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer tx.Rollback()
	if s.postgres {
		if err := s.preparePostgres(ctx, tx); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	const create = `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("migrate: read schema version: %w", err)
	}
	migs := s.migrations()
	if current > len(migs) {
		return &SchemaVersionError{Found: current, Known: len(migs)}
	}
	for v := current + 1; v <= len(migs); v++ {
		for _, stmt := range migs[v-1] {
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				return fmt.Errorf("migrate to version %d: %w", v, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version) VALUES (?)`), v); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// preparePostgres serialises concurrent migrations and creates the
// connection's schema when it is missing. The existence check comes first
// so that a user without CREATE on the database can use an existing schema.
func (s *Store) preparePostgres(ctx context.Context, tx *sql.Tx) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
		return err
	}
	schema := s.schema
	var exists bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		return fmt.Errorf("create schema %s: %w", schema, err)
	}
	return nil
}
