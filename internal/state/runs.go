package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/handover/handover/internal/protocol"
)

const runColumns = `number, kind, env, extraction, status, started, finished, pid, host, artifacts, protocol`

// BeginRun allocates the next run number and records the run as running
// by this process on this host.
func (s *Store) BeginRun(ctx context.Context, kind, env string, extraction int, started time.Time) (*Run, error) {
	r := &Run{Kind: kind, Env: env, Extraction: extraction, Status: protocol.StatusRunning,
		Started: norm(started), PID: os.Getpid(), Host: s.host}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM runs`).Scan(&r.Number); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO runs (number, kind, env, extraction, status, started, pid, host)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			r.Number, r.Kind, r.Env, r.Extraction, r.Status, s.t(r.Started), r.PID, r.Host)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("begin %s run: %w", kind, err)
	}
	return r, nil
}

// FinishRun stores the run's final status, finished time, artifacts
// directory and protocol.
func (s *Store) FinishRun(ctx context.Context, run *Run) error {
	if run.Status == "" || run.Status == protocol.StatusRunning {
		return fmt.Errorf("finish run %d: status %q is not a final status", run.Number, run.Status)
	}
	var proto any
	if run.Protocol != nil {
		data, err := json.Marshal(run.Protocol)
		if err != nil {
			return fmt.Errorf("finish run %d: encode protocol: %w", run.Number, err)
		}
		proto = string(data)
	}
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE runs SET status = ?, finished = ?, artifacts = ?, protocol = ? WHERE number = ?`),
		run.Status, s.t(run.Finished), run.Artifacts, proto, run.Number)
	if err != nil {
		return fmt.Errorf("finish run %d: %w", run.Number, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return fmt.Errorf("finish run %d: %w", run.Number, s.runNotFound(ctx, run.Number))
	}
	return nil
}

// Run returns run n.
func (s *Store) Run(ctx context.Context, n int) (*Run, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE number = ?`), n)
	r, err := scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.runNotFound(ctx, n)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %d: %w", n, err)
	}
	return r, nil
}

// Runs returns the runs of one environment ("" = all), ascending by
// number.
func (s *Store) Runs(ctx context.Context, env string) ([]*Run, error) {
	query, args := `SELECT `+runColumns+` FROM runs ORDER BY number`, []any{}
	if env != "" {
		query, args = s.q(`SELECT `+runColumns+` FROM runs WHERE env = ? ORDER BY number`), []any{env}
	}
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []*Run
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, fmt.Errorf("list runs: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

func scanRun(sc scanner) (*Run, error) {
	var r Run
	var proto sql.NullString
	err := sc.Scan(&r.Number, &r.Kind, &r.Env, &r.Extraction, &r.Status, nullTime{&r.Started}, nullTime{&r.Finished},
		&r.PID, &r.Host, &r.Artifacts, &proto)
	if err != nil {
		return nil, err
	}
	if proto.Valid && proto.String != "" {
		r.Protocol = new(protocol.Protocol)
		if err := json.Unmarshal([]byte(proto.String), r.Protocol); err != nil {
			return nil, fmt.Errorf("run %d: decode protocol: %w", r.Number, err)
		}
	}
	return &r, nil
}

// runNotFound is the error for a missing run, naming the latest one.
func (s *Store) runNotFound(ctx context.Context, n int) error {
	var latest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(number) FROM runs`).Scan(&latest); err != nil {
		return fmt.Errorf("read run %d: %w", n, err)
	}
	if !latest.Valid {
		return &notFoundError{fmt.Sprintf("run %d does not exist (no runs yet)", n)}
	}
	return &notFoundError{fmt.Sprintf("run %d does not exist (latest is run %d)", n, latest.Int64)}
}

type notFoundError struct{ msg string }

func (e *notFoundError) Error() string        { return e.msg }
func (e *notFoundError) Is(target error) bool { return target == ErrNotFound }

// MarkInterrupted turns the runs still "running" whose process on this host
// is gone into "interrupted" and returns how many it changed. Runs started
// on another host are left alone: their process cannot be checked from
// here. Their finished time stays empty: when the process died is unknown.
func (s *Store) MarkInterrupted(ctx context.Context) (int, error) {
	stale, err := s.staleRuns(ctx)
	if err != nil {
		return 0, fmt.Errorf("mark interrupted runs: %w", err)
	}
	count := 0
	for _, n := range stale {
		res, err := s.db.ExecContext(ctx, s.q(`UPDATE runs SET status = ? WHERE number = ? AND status = ?`),
			protocol.StatusInterrupted, n, protocol.StatusRunning)
		if err != nil {
			return count, fmt.Errorf("mark run %d interrupted: %w", n, err)
		}
		if k, err := res.RowsAffected(); err == nil {
			count += int(k)
		}
	}
	return count, nil
}

// staleRuns lists the running runs of this host whose process is gone.
func (s *Store) staleRuns(ctx context.Context) ([]int, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT number, pid FROM runs WHERE status = ? AND host = ?`),
		protocol.StatusRunning, s.host)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var stale []int
	for rows.Next() {
		var n, pid int
		if err := rows.Scan(&n, &pid); err != nil {
			return nil, err
		}
		if !processAlive(pid) {
			stale = append(stale, n)
		}
	}
	return stale, rows.Err()
}
