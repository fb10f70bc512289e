package state

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrateLock is the PostgreSQL advisory lock key that serialises
// concurrent migrations ("handover" in ASCII).
const migrateLock = 0x68616e646f766572

// SchemaVersionError reports a database written by a newer handover, or,
// to a read-only open, one that needs an upgrade first.
type SchemaVersionError struct {
	Found int // version recorded in the database
	Known int // newest version this binary knows
}

func (e *SchemaVersionError) Error() string {
	if e.Found < e.Known {
		return fmt.Sprintf("the state store has schema version %d and this handover needs version %d: run a command that records (such as handover check) once to upgrade it", e.Found, e.Known)
	}
	return fmt.Sprintf("the state store has schema version %d but this handover knows only up to version %d: upgrade handover", e.Found, e.Known)
}

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
		if err := s.migrateTo(ctx, tx, v, current > 0); err != nil {
			return fmt.Errorf("migrate to version %d: %w", v, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// migrateTo applies version v; upgrade is false for a store created now.
func (s *Store) migrateTo(ctx context.Context, tx *sql.Tx, v int, upgrade bool) error {
	lit := "'" + strings.ReplaceAll(s.migration, "'", "''") + "'"
	for _, stmt := range s.migrations()[v-1] {
		if _, err := tx.ExecContext(ctx, strings.ReplaceAll(stmt, "$MIGRATION", lit)); err != nil {
			return err
		}
	}
	if v == 2 && upgrade {
		if err := s.adoptApprovals(ctx, tx); err != nil {
			return fmt.Errorf("adopt the sign-offs of schema 1: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO schema_migrations (version) VALUES (?)`), v)
	return err
}

// checkVersion is a read-only open's check: errNoStore when the store was
// never created, a *SchemaVersionError unless it is at this binary's
// version.
func (s *Store) checkVersion(ctx context.Context) error {
	var exists bool
	query := `SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')`
	if s.postgres {
		query = `SELECT to_regclass('schema_migrations') IS NOT NULL`
	}
	if err := s.db.QueryRowContext(ctx, query).Scan(&exists); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return errNoStore
	}
	var current int
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch known := len(s.migrations()); {
	case current == 0:
		return errNoStore
	case current != known:
		return &SchemaVersionError{Found: current, Known: known}
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
