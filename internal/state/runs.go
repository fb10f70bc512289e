package state

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/record"
)

// StatusQueued is the status of a run waiting for a worker (QueueRun);
// the other statuses are protocol's.
const StatusQueued = record.StatusQueued

// Run is one recorded run.
type Run = record.Run

// NewRun describes a run to begin or queue.
type NewRun struct {
	Kind       string
	Env        string
	Extraction int
	By         string    // who starts it: account id or e-mail, or the OS user
	Started    time.Time // zero: the store's clock
}

// Finish is what FinishRun records besides the run: its audit entry and
// its events, in the same transaction.
type Finish struct {
	Actor  string        // the audit entry's actor; default the run's StartedBy
	Detail string        // the audit entry's text; default "run N KIND into ENV, extraction X: STATUS"
	Events []OutboxEvent // written to the outbox (see Enqueue)
}

// ErrLeaseLost is matched by Renew's error when the run is no longer held
// by this store's holder: it expired and was reaped or claimed, or it
// finished.
var ErrLeaseLost = errors.New("lease lost")

// ErrNotClaimable is matched by ClaimRun's error for a run that is not
// waiting for a worker.
var ErrNotClaimable = errors.New("not claimable")

const runColumns = `number, kind, env, extraction, status, started, finished, started_by, queued, holder, lease_expires, pid, host, artifacts, protocol`

// BeginRun allocates the next run number of the migration and records the
// run as running by this process, holding a lease until Now + LeaseTTL.
func (s *Store) BeginRun(ctx context.Context, nr NewRun) (*Run, error) {
	if err := s.writable("begin run"); err != nil {
		return nil, err
	}
	now := norm(s.now())
	r := &Run{Kind: nr.Kind, Env: nr.Env, Extraction: nr.Extraction, Status: protocol.StatusRunning,
		Started: norm(nr.Started), StartedBy: nr.By, Holder: s.holder, LeaseExpires: now.Add(s.ttl),
		PID: s.pid, Host: s.host}
	if r.Started.IsZero() {
		r.Started = now
	}
	if err := s.insertRun(ctx, r); err != nil {
		return nil, fmt.Errorf("begin %s run: %w", nr.Kind, err)
	}
	return r, nil
}

// QueueRun allocates the next run number and records the run as queued,
// for a worker to ClaimRun.
func (s *Store) QueueRun(ctx context.Context, nr NewRun) (*Run, error) {
	if err := s.writable("queue run"); err != nil {
		return nil, err
	}
	now := norm(s.now())
	r := &Run{Kind: nr.Kind, Env: nr.Env, Extraction: nr.Extraction, Status: StatusQueued,
		Started: norm(nr.Started), StartedBy: nr.By, Queued: now}
	if r.Started.IsZero() {
		r.Started = now
	}
	if err := s.insertRun(ctx, r); err != nil {
		return nil, fmt.Errorf("queue %s run: %w", nr.Kind, err)
	}
	return r, nil
}

func (s *Store) insertRun(ctx context.Context, r *Run) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, s.q(`SELECT COALESCE(MAX(number), 0) + 1 FROM runs WHERE migration = ?`), s.migration).Scan(&r.Number)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`INSERT INTO runs (migration, number, kind, env, extraction, status, started, started_by, queued, holder, lease_expires, pid, host)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			s.migration, r.Number, r.Kind, r.Env, r.Extraction, r.Status, s.t(r.Started), r.StartedBy, s.t(r.Queued),
			r.Holder, s.t(r.LeaseExpires), r.PID, r.Host)
		return err
	})
}

// ClaimRun takes queued run n for this store's holder: it becomes running
// with a lease. A queued run whose worker died (lease expired, or reaped
// as interrupted) may be claimed again, as a job queue retries it.
func (s *Store) ClaimRun(ctx context.Context, n int) (*Run, error) {
	if err := s.writable("claim run"); err != nil {
		return nil, err
	}
	now := norm(s.now())
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE runs SET status = ?, started = ?, holder = ?, lease_expires = ?, pid = ?, host = ?
		WHERE migration = ? AND number = ? AND queued IS NOT NULL AND finished IS NULL
		AND (status = ? OR status = ? OR (status = ? AND lease_expires < ?))`),
		protocol.StatusRunning, s.t(now), s.holder, s.t(now.Add(s.ttl)), s.pid, s.host,
		s.migration, n, StatusQueued, protocol.StatusInterrupted, protocol.StatusRunning, s.t(now))
	if err != nil {
		return nil, fmt.Errorf("claim run %d: %w", n, err)
	}
	if k, err := res.RowsAffected(); err == nil && k == 0 {
		r, err := s.Run(ctx, n)
		if err != nil {
			return nil, fmt.Errorf("claim run %d: %w", n, err)
		}
		return nil, fmt.Errorf("claim run %d: it is %s (held by %s): %w", n, r.Status, r.Holder, ErrNotClaimable)
	}
	return s.Run(ctx, n)
}

// Renew extends run's lease to Now + LeaseTTL; ErrLeaseLost when this
// store's holder no longer holds it.
func (s *Store) Renew(ctx context.Context, run *Run) error {
	if err := s.writable("renew lease"); err != nil {
		return err
	}
	until := norm(s.now()).Add(s.ttl)
	res, err := s.db.ExecContext(ctx, s.q(`UPDATE runs SET lease_expires = ? WHERE migration = ? AND number = ? AND holder = ? AND status = ?`),
		s.t(until), s.migration, run.Number, s.holder, protocol.StatusRunning)
	if err != nil {
		return fmt.Errorf("renew the lease of run %d: %w", run.Number, err)
	}
	if k, err := res.RowsAffected(); err == nil && k == 0 {
		return fmt.Errorf("renew the lease of run %d: %w", run.Number, ErrLeaseLost)
	}
	run.LeaseExpires = until
	return nil
}

// FinishRun stores the run's final status, finished time, artifacts
// directory and protocol, its audit entry and its events, in one
// transaction. A run finishes once.
func (s *Store) FinishRun(ctx context.Context, run *Run, f Finish) error {
	if err := s.writable(fmt.Sprintf("finish run %d", run.Number)); err != nil {
		return err
	}
	if run.Status == "" || run.Status == protocol.StatusRunning || run.Status == StatusQueued {
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
	if f.Actor == "" {
		f.Actor = run.StartedBy
	}
	if f.Detail == "" {
		f.Detail = runText(run)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(`UPDATE runs SET status = ?, finished = ?, artifacts = ?, protocol = ?, lease_expires = NULL
			WHERE migration = ? AND number = ? AND finished IS NULL`),
			run.Status, s.t(run.Finished), run.Artifacts, proto, s.migration, run.Number)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err == nil && n == 0 {
			return s.notFinishable(ctx, tx, run.Number)
		}
		e := AuditEntry{Actor: f.Actor, Action: ActionRun, Detail: f.Detail, Run: run.Number, Data: outcomeData(run)}
		if _, err := s.appendEntry(ctx, tx, e); err != nil {
			return err
		}
		return s.enqueue(ctx, tx, f.Events)
	})
	if err != nil {
		return fmt.Errorf("finish run %d: %w", run.Number, err)
	}
	return nil
}

// notFinishable explains why run n could not be finished.
func (s *Store) notFinishable(ctx context.Context, tx *sql.Tx, n int) error {
	var status string
	err := tx.QueryRowContext(ctx, s.q(`SELECT status FROM runs WHERE migration = ? AND number = ?`), s.migration, n).Scan(&status)
	if errors.Is(err, sql.ErrNoRows) {
		return s.runNotFound(ctx, n)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("it already finished (%s)", status)
}

// runText is the default audit text of a run's outcome.
func runText(r *Run) string {
	what := r.Kind
	if r.Env != "" {
		what += " into " + r.Env
	}
	return fmt.Sprintf("run %d %s, extraction %d: %s", r.Number, what, r.Extraction, r.Status)
}

// outcomeData is the machine-readable part of a run outcome's entry.
func outcomeData(r *Run) string {
	d := struct {
		Kind       string `json:"kind"`
		Env        string `json:"env,omitempty"`
		Extraction int    `json:"extraction"`
		Status     string `json:"status"`
		Recipes    string `json:"recipes,omitempty"`
		Format     string `json:"format,omitempty"`
		DryRun     bool   `json:"dry_run,omitempty"`
	}{Kind: r.Kind, Env: r.Env, Extraction: r.Extraction, Status: r.Status}
	if p := r.Protocol; p != nil {
		d.Recipes, d.Format, d.DryRun = p.Hashes.Recipes, p.Hashes.Format, p.DryRun
	}
	b, _ := json.Marshal(d)
	return string(b)
}

// Run returns run n of the migration.
func (s *Store) Run(ctx context.Context, n int) (*Run, error) {
	row := s.db.QueryRowContext(ctx, s.q(`SELECT `+runColumns+` FROM runs WHERE migration = ? AND number = ?`), s.migration, n)
	r, err := s.scanRun(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, s.runNotFound(ctx, n)
	}
	if err != nil {
		return nil, fmt.Errorf("read run %d: %w", n, err)
	}
	return r, nil
}

// Runs returns the runs of one environment ("" = all) of the migration,
// ascending by number.
func (s *Store) Runs(ctx context.Context, env string) ([]*Run, error) {
	query, args := `SELECT `+runColumns+` FROM runs WHERE migration = ? ORDER BY number`, []any{s.migration}
	if env != "" {
		query, args = `SELECT `+runColumns+` FROM runs WHERE migration = ? AND env = ? ORDER BY number`, []any{s.migration, env}
	}
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	defer rows.Close()
	var runs []*Run
	for rows.Next() {
		r, err := s.scanRun(rows)
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

// scanRun reads a run; a running run whose lease ended reads as
// interrupted (without writing: Reap records it).
func (s *Store) scanRun(sc scanner) (*Run, error) {
	var r Run
	var proto sql.NullString
	err := sc.Scan(&r.Number, &r.Kind, &r.Env, &r.Extraction, &r.Status, nullTime{&r.Started}, nullTime{&r.Finished},
		&r.StartedBy, nullTime{&r.Queued}, &r.Holder, nullTime{&r.LeaseExpires}, &r.PID, &r.Host, &r.Artifacts, &proto)
	if err != nil {
		return nil, err
	}
	if proto.Valid && proto.String != "" {
		r.Protocol = new(protocol.Protocol)
		if err := json.Unmarshal([]byte(proto.String), r.Protocol); err != nil {
			return nil, fmt.Errorf("run %d: decode protocol: %w", r.Number, err)
		}
	}
	if s.expired(&r, norm(s.now())) {
		r.Status = protocol.StatusInterrupted
	}
	return &r, nil
}

// expired reports whether r is running without a live lease: its lease
// ran out, or its holder is a process of this host that is gone (a run of
// schema 1 has no lease: only the second test applies).
func (s *Store) expired(r *Run, now time.Time) bool {
	if r.Status != protocol.StatusRunning {
		return false
	}
	if !r.LeaseExpires.IsZero() && r.LeaseExpires.Before(now) {
		return true
	}
	return r.Host == s.host && !processAlive(r.PID)
}

// runNotFound is the error for a missing run, naming the latest one.
func (s *Store) runNotFound(ctx context.Context, n int) error {
	var latest sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT MAX(number) FROM runs WHERE migration = ?`), s.migration).Scan(&latest); err != nil {
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
