package account

import (
	"context"
	"database/sql"
	"fmt"
)

// migrateLock is the PostgreSQL advisory lock key that serialises
// concurrent migrations of the account tables ("accounts" in ASCII).
const migrateLock = 0x6163636f756e7473

// Schema versions of the account tables, one list of statements each.
// Never change a released entry: append a new version.
var (
	sqliteSchema = [][]string{{
		`CREATE TABLE accounts (
			id         INTEGER PRIMARY KEY AUTOINCREMENT,
			email      TEXT NOT NULL UNIQUE,
			name       TEXT NOT NULL,
			role       TEXT NOT NULL,
			password   TEXT NOT NULL DEFAULT '',
			created    TEXT NOT NULL)`,
		`CREATE TABLE account_migrations (
			account   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
			migration TEXT NOT NULL,
			PRIMARY KEY (account, migration))`,
		`CREATE TABLE account_sessions (
			hash     TEXT PRIMARY KEY,
			account  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
			kind     TEXT NOT NULL,
			created  TEXT NOT NULL,
			expires  TEXT NOT NULL)`,
		`CREATE INDEX account_sessions_account ON account_sessions (account)`,
	}}
	postgresSchema = [][]string{{
		`CREATE TABLE accounts (
			id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			email      TEXT NOT NULL UNIQUE,
			name       TEXT NOT NULL,
			role       TEXT NOT NULL,
			password   TEXT NOT NULL DEFAULT '',
			created    TIMESTAMPTZ NOT NULL)`,
		`CREATE TABLE account_migrations (
			account   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
			migration TEXT NOT NULL,
			PRIMARY KEY (account, migration))`,
		`CREATE TABLE account_sessions (
			hash     TEXT PRIMARY KEY,
			account  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
			kind     TEXT NOT NULL,
			created  TIMESTAMPTZ NOT NULL,
			expires  TIMESTAMPTZ NOT NULL)`,
		`CREATE INDEX account_sessions_account ON account_sessions (account)`,
	}}
)

// SchemaVersionError reports account tables written by a newer handover.
type SchemaVersionError struct{ Found, Known int }

func (e *SchemaVersionError) Error() string {
	return fmt.Sprintf("the account tables have schema version %d but this handover knows only up to version %d: upgrade handover", e.Found, e.Known)
}

// migrate brings the account tables to the newest version in one
// transaction.
func (s *Store) migrate(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("migrate accounts: %w", err)
	}
	defer tx.Rollback()
	if s.postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("migrate accounts: %w", err)
		}
	}
	const create = `CREATE TABLE IF NOT EXISTS account_schema (version INTEGER PRIMARY KEY)`
	if _, err := tx.ExecContext(ctx, create); err != nil {
		return fmt.Errorf("migrate accounts: %w", err)
	}
	var current int
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM account_schema`).Scan(&current); err != nil {
		return fmt.Errorf("migrate accounts: read schema version: %w", err)
	}
	versions := sqliteSchema
	if s.postgres {
		versions = postgresSchema
	}
	if current > len(versions) {
		return &SchemaVersionError{Found: current, Known: len(versions)}
	}
	for v := current + 1; v <= len(versions); v++ {
		if err := applyVersion(ctx, tx, s, v, versions[v-1]); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate accounts: %w", err)
	}
	return nil
}

func applyVersion(ctx context.Context, tx *sql.Tx, s *Store, v int, stmts []string) error {
	for _, stmt := range stmts {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migrate accounts to version %d: %w", v, err)
		}
	}
	if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO account_schema (version) VALUES (?)`), v); err != nil {
		return fmt.Errorf("migrate accounts to version %d: %w", v, err)
	}
	return nil
}
