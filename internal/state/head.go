package state

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// DeleteFact removes a fact; an unknown one is no error.
func (s *Store) DeleteFact(ctx context.Context, key string) error {
	if err := s.writable("remove " + key); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM facts WHERE migration = ? AND key = ?`), s.migration, key); err != nil {
		return fmt.Errorf("remove %s: %w", key, err)
	}
	return nil
}

// RunsHead identifies the migration's runs as a front end may cache views
// of them: it changes when a run begins, is queued, ends, or a running
// run's lease runs out (it reads as interrupted from then on) — also for
// runs that are not audited yet, such as one begun on the command line.
// Both of its queries are answered from indexes: the newest run number,
// and the runs that are running or queued (few).
func (s *Store) RunsHead(ctx context.Context) (string, error) {
	var newest int64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(number), 0) FROM runs WHERE migration = ?`), s.migration).Scan(&newest); err != nil {
		return "", fmt.Errorf("read the runs' head: %w", err)
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT number, status, lease_expires FROM runs
		WHERE status IN (?, ?) AND migration = ? ORDER BY number`), protocol.StatusRunning, StatusQueued, s.migration)
	if err != nil {
		return "", fmt.Errorf("read the runs' head: %w", err)
	}
	defer rows.Close()
	var b strings.Builder
	fmt.Fprintf(&b, "%d", newest)
	now := norm(s.now())
	for rows.Next() {
		var n int64
		var status string
		var lease time.Time
		if err := rows.Scan(&n, &status, nullTime{&lease}); err != nil {
			return "", fmt.Errorf("read the runs' head: %w", err)
		}
		expired := status == protocol.StatusRunning && !lease.IsZero() && lease.Before(now)
		fmt.Fprintf(&b, ".%d:%s:%t", n, status, expired)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("read the runs' head: %w", err)
	}
	return b.String(), nil
}
