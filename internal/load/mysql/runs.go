package mysql

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/handover/handover/internal/load"
)

// Runs are recorded in handover_meta, one entry per run named
// run/MIGRATION/RUN (the run zero-padded, so that names sort by run): a
// table of their own would need a CREATE TABLE, which MySQL cannot do
// inside the import's transaction.

// runEntry is a recorded run as handover_meta holds it.
type runEntry struct {
	At        time.Time `json:"at"`
	Protocol  string    `json:"protocol"`
	AuditHead string    `json:"audit_head"`
}

func runName(migration string, run int) string { return fmt.Sprintf("run/%s/%010d", migration, run) }

// RecordRun records the run in the environment's bookkeeping, in the
// import's transaction.
func (x *tx) RecordRun(ctx context.Context, r load.RunRecord) error {
	v, err := json.Marshal(runEntry{At: r.At.UTC(), Protocol: string(r.Protocol), AuditHead: r.AuditHead})
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	return x.exec(ctx, "record run", "REPLACE INTO handover_meta (name, value) VALUES (?, ?)", runName(r.Migration, r.Run), string(v))
}

// RecordedRun reads a run recorded in the environment; nil when there is
// none.
func (t *target) RecordedRun(ctx context.Context, migration string, run int) (*load.RunRecord, error) {
	return t.readRun(ctx, migration, "SELECT name, value FROM handover_meta WHERE name = ?", runName(migration, run))
}

// LatestRun reads the newest run of the migration the environment recorded.
func (t *target) LatestRun(ctx context.Context, migration string) (*load.RunRecord, error) {
	prefix := "run/" + migration + "/"
	return t.readRun(ctx, migration, "SELECT name, value FROM handover_meta WHERE name > ? AND name < ? ORDER BY name DESC LIMIT 1",
		prefix, "run/"+migration+"0") // "0" follows "/"
}

func (t *target) readRun(ctx context.Context, migration, query string, args ...any) (*load.RunRecord, error) {
	var n int
	const exists = "SELECT count(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'handover_meta'"
	if err := t.db.QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return nil, t.fail("read recorded run", err)
	}
	if n == 0 {
		return nil, nil
	}
	var name, value string
	err := t.db.QueryRowContext(ctx, query, args...).Scan(&name, &value)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, t.fail("read recorded run", err)
	}
	var e runEntry
	if err := json.Unmarshal([]byte(value), &e); err != nil {
		return nil, fmt.Errorf("read recorded run %s: %w", name, err)
	}
	r := &load.RunRecord{Migration: migration, At: e.At, Protocol: []byte(e.Protocol), AuditHead: e.AuditHead}
	if _, err := fmt.Sscanf(name[len(name)-10:], "%d", &r.Run); err != nil {
		return nil, fmt.Errorf("read recorded run %s: %w", name, err)
	}
	return r, nil
}
