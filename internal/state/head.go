package state

import (
	"context"
	"fmt"
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
func (s *Store) RunsHead(ctx context.Context) (string, error) {
	var count, newest, active, expired int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*), COALESCE(MAX(number), 0),
		COALESCE(SUM(CASE WHEN status IN ('running', 'queued') THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN status = 'running' AND lease_expires < ? THEN 1 ELSE 0 END), 0)
		FROM runs WHERE migration = ?`), s.t(s.now()), s.migration).Scan(&count, &newest, &active, &expired)
	if err != nil {
		return "", fmt.Errorf("read the runs' head: %w", err)
	}
	return fmt.Sprintf("%d.%d.%d.%d", count, newest, active, expired), nil
}
