package state

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/handover/handover/internal/protocol"
)

// Reap records as interrupted the runs of the migration that are running
// without a live lease (see Run: they already read as interrupted), each
// with an audit entry, and returns how many it changed. Their finished
// time stays empty: when they died is unknown. Mutating commands call it
// once after Open; read-only ones never do.
func (s *Store) Reap(ctx context.Context) (int, error) {
	if err := s.writable("reap runs"); err != nil {
		return 0, err
	}
	count := 0
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		count = 0
		dead, err := s.deadRuns(ctx, tx)
		if err != nil {
			return err
		}
		for _, r := range dead {
			res, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET status = ?, lease_expires = NULL WHERE migration = ? AND number = ? AND status = ?`),
				protocol.StatusInterrupted, s.migration, r.Number, protocol.StatusRunning)
			if err != nil {
				return fmt.Errorf("mark run %d interrupted: %w", r.Number, err)
			}
			if k, err := res.RowsAffected(); err != nil || k == 0 {
				continue
			}
			count++
			r.Status = protocol.StatusInterrupted
			detail := runText(r) + fmt.Sprintf(" (its lease held by %s on %s ended)", r.Holder, r.Host)
			e := AuditEntry{Actor: "handover", Action: ActionRun, Detail: detail, Run: r.Number, Data: outcomeData(r)}
			if _, err := s.appendEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("reap interrupted runs: %w", err)
	}
	return count, nil
}

// deadRuns lists the running runs whose lease ended.
func (s *Store) deadRuns(ctx context.Context, tx *sql.Tx) ([]*Run, error) {
	rows, err := tx.QueryContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE migration = ? AND status = ? ORDER BY number`),
		s.migration, protocol.StatusRunning)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var dead []*Run
	for rows.Next() {
		r, err := s.scanRun(rows) // reads an expired run as interrupted
		if err != nil {
			return nil, err
		}
		if r.Status == protocol.StatusInterrupted {
			r.Status = protocol.StatusRunning
			dead = append(dead, r)
		}
	}
	return dead, rows.Err()
}
