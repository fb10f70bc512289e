package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/load"
)

const pgRuns = `CREATE TABLE IF NOT EXISTS handover_runs (
	migration text NOT NULL, run bigint NOT NULL, at timestamptz NOT NULL,
	protocol text NOT NULL, audit_head text NOT NULL DEFAULT '',
	PRIMARY KEY (migration, run))`

// RecordRun records the run in the environment's bookkeeping, in the
// import's transaction.
func (x *pgTx) RecordRun(ctx context.Context, r load.RunRecord) error {
	if _, err := x.tx.Exec(ctx, pgRuns); err != nil {
		return x.t.fail("record run", err)
	}
	const upsert = `INSERT INTO handover_runs (migration, run, at, protocol, audit_head) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (migration, run) DO UPDATE SET at = EXCLUDED.at, protocol = EXCLUDED.protocol, audit_head = EXCLUDED.audit_head`
	if _, err := x.tx.Exec(ctx, upsert, r.Migration, r.Run, r.At.UTC(), string(r.Protocol), r.AuditHead); err != nil {
		return x.t.fail("record run", err)
	}
	return nil
}

// RecordedRun reads a run recorded in the environment; nil when there is
// none (or no import recorded a run yet).
func (t *pgTarget) RecordedRun(ctx context.Context, migration string, run int) (*load.RunRecord, error) {
	return t.readRun(ctx, "SELECT run, at, protocol, audit_head FROM handover_runs WHERE migration = $1 AND run = $2", migration, run)
}

// LatestRun reads the newest run of the migration the environment recorded.
func (t *pgTarget) LatestRun(ctx context.Context, migration string) (*load.RunRecord, error) {
	return t.readRun(ctx, "SELECT run, at, protocol, audit_head FROM handover_runs WHERE migration = $1 ORDER BY run DESC LIMIT 1", migration)
}

func (t *pgTarget) readRun(ctx context.Context, query, migration string, args ...any) (*load.RunRecord, error) {
	var exists bool
	if err := t.conn.QueryRow(ctx, "SELECT to_regclass('handover_runs') IS NOT NULL").Scan(&exists); err != nil {
		return nil, t.fail("read recorded run", err)
	}
	if !exists {
		return nil, nil
	}
	r := &load.RunRecord{Migration: migration}
	var proto string
	var at time.Time
	err := t.conn.QueryRow(ctx, query, append([]any{migration}, args...)...).Scan(&r.Run, &at, &proto, &r.AuditHead)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, t.fail("read recorded run", err)
	}
	r.At, r.Protocol = at.UTC(), []byte(proto)
	return r, nil
}
