package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/handover/handover/internal/load"
)

const sqliteRuns = `CREATE TABLE IF NOT EXISTS handover_runs (
	migration TEXT NOT NULL, run INTEGER NOT NULL, at TEXT NOT NULL,
	protocol TEXT NOT NULL, audit_head TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (migration, run))`

// RecordRun records the run in the environment's bookkeeping, in the
// import's transaction.
func (x *sqliteTx) RecordRun(ctx context.Context, r load.RunRecord) error {
	if _, err := x.tx.ExecContext(ctx, sqliteRuns); err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	const upsert = `INSERT INTO handover_runs (migration, run, at, protocol, audit_head) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (migration, run) DO UPDATE SET at = excluded.at, protocol = excluded.protocol, audit_head = excluded.audit_head`
	_, err := x.tx.ExecContext(ctx, upsert, r.Migration, r.Run, r.At.UTC().Format(time.RFC3339Nano), string(r.Protocol), r.AuditHead)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return nil
}

// RecordedRun reads a run recorded in the environment; nil when there is
// none (or no import recorded a run yet).
func (t *sqliteTarget) RecordedRun(ctx context.Context, migration string, run int) (*load.RunRecord, error) {
	return t.readRun(ctx, "SELECT run, at, protocol, audit_head FROM handover_runs WHERE migration = ? AND run = ?", migration, run)
}

// LatestRun reads the newest run of the migration the environment recorded.
func (t *sqliteTarget) LatestRun(ctx context.Context, migration string) (*load.RunRecord, error) {
	return t.readRun(ctx, "SELECT run, at, protocol, audit_head FROM handover_runs WHERE migration = ? ORDER BY run DESC LIMIT 1", migration)
}

func (t *sqliteTarget) readRun(ctx context.Context, query, migration string, args ...any) (*load.RunRecord, error) {
	var n int
	if err := t.db.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'handover_runs'").Scan(&n); err != nil {
		return nil, fmt.Errorf("read recorded run: %w", err)
	}
	if n == 0 {
		return nil, nil
	}
	r := &load.RunRecord{Migration: migration}
	var at, proto string
	err := t.db.QueryRowContext(ctx, query, append([]any{migration}, args...)...).Scan(&r.Run, &at, &proto, &r.AuditHead)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read recorded run: %w", err)
	}
	r.At, _ = time.Parse(time.RFC3339Nano, at)
	r.Protocol = []byte(proto)
	return r, nil
}
