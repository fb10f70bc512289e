package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// recorder is the log of calls the fakes saw, in order.
type recorder struct {
	mu    sync.Mutex
	calls []string
}

func (r *recorder) add(format string, a ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, fmt.Sprintf(format, a...))
}

// fakeStore is an in-memory state store that records every write.
type fakeStore struct {
	rec       *recorder
	runs      []*state.Run
	approvals []state.Approval
	audit     []state.AuditEntry
	facts     map[string]string
}

func newFakeStore(rec *recorder) *fakeStore { return &fakeStore{rec: rec, facts: map[string]string{}} }

func (s *fakeStore) BeginRun(_ context.Context, nr state.NewRun) (*state.Run, error) {
	kind, env, x, at := nr.Kind, nr.Env, nr.Extraction, nr.Started
	r := &state.Run{Number: len(s.runs) + 1, Kind: kind, Env: env, Extraction: x, Status: protocol.StatusRunning, Started: at, StartedBy: nr.By}
	s.runs = append(s.runs, r)
	s.rec.add("begin %s %s", kind, env)
	return &state.Run{Number: r.Number, Kind: kind, Env: env, Extraction: x, Status: r.Status, Started: at}, nil
}

// FinishRun records the run and, as the real store does in the same
// transaction, its audit entry.
func (s *fakeStore) FinishRun(ctx context.Context, run *state.Run, f state.Finish) error {
	c := *run
	s.runs[run.Number-1] = &c
	s.rec.add("finish %s", run.Status)
	if err := s.Audit(ctx, f.Actor, state.ActionRun, f.Detail, run.Finished); err != nil {
		return err
	}
	return s.Enqueue(ctx, f.Events...)
}

// Enqueue records the events queued in the outbox.
func (s *fakeStore) Enqueue(_ context.Context, events ...state.OutboxEvent) error {
	for _, e := range events {
		s.rec.add("event %s", e.Type)
	}
	return nil
}

func (s *fakeStore) ClaimEvents(context.Context, int, time.Duration) ([]state.OutboxEvent, error) {
	return nil, nil
}
func (s *fakeStore) Delivered(context.Context, state.OutboxEvent) error { return nil }
func (s *fakeStore) DeliveryFailed(context.Context, state.OutboxEvent, string, time.Time) error {
	return nil
}

func (s *fakeStore) Run(_ context.Context, n int) (*state.Run, error) {
	if n < 1 || n > len(s.runs) {
		return nil, fmt.Errorf("run %d: %w", n, state.ErrNotFound)
	}
	return s.runs[n-1], nil
}

func (s *fakeStore) Runs(_ context.Context, env string) ([]*state.Run, error) {
	var out []*state.Run
	for _, r := range s.runs {
		if env == "" || r.Env == env {
			out = append(out, r)
		}
	}
	return out, nil
}

func (s *fakeStore) Reap(context.Context) (int, error) { return 0, nil }

func (s *fakeStore) Renew(context.Context, *state.Run) error { return nil }

// AddApproval records the sign-off and, as the real store does, its
// audit entry.
func (s *fakeStore) AddApproval(ctx context.Context, a state.Approval, events ...state.OutboxEvent) error {
	s.approvals = append(s.approvals, a)
	s.rec.add("approval %s %s", a.Role, a.By)
	action := state.ActionApprove
	if a.Refused {
		action = state.ActionReject
	}
	if err := s.Audit(ctx, a.By, action, fmt.Sprintf("run %d", a.Run), a.At); err != nil {
		return err
	}
	return s.Enqueue(ctx, events...)
}

func (s *fakeStore) Approvals(_ context.Context, run int) ([]state.Approval, error) {
	var out []state.Approval
	for _, a := range s.approvals {
		if a.Run == run {
			out = append(out, a)
		}
	}
	return out, nil
}

func (s *fakeStore) Audit(_ context.Context, actor, action, detail string, at time.Time) error {
	s.audit = append(s.audit, state.AuditEntry{Seq: int64(len(s.audit) + 1), At: at, Actor: actor, Action: action, Detail: detail})
	s.rec.add("audit %s %s", action, actor)
	return nil
}

func (s *fakeStore) AuditLog(context.Context) ([]state.AuditEntry, error) { return s.audit, nil }
func (s *fakeStore) AuditHead(context.Context) (state.Anchor, error) {
	return state.Anchor{Seq: int64(len(s.audit))}, nil
}
func (s *fakeStore) VerifyAudit(context.Context, ...state.Anchor) (*state.Verification, error) {
	return &state.Verification{Entries: len(s.audit)}, nil
}

func (s *fakeStore) Fact(_ context.Context, key string) (string, time.Time, bool, error) {
	v, ok := s.facts[key]
	return v, time.Time{}, ok, nil
}

func (s *fakeStore) SetFact(_ context.Context, key, value string, _ time.Time) error {
	s.facts[key] = value
	return nil
}

func (s *fakeStore) Claim(_ context.Context, key string, _ time.Duration) (func(context.Context) error, bool, error) {
	if _, held := s.facts[key]; held {
		return nil, false, nil
	}
	s.facts[key] = "claimed"
	return func(context.Context) error { delete(s.facts, key); return nil }, true, nil
}

func (s *fakeStore) DeleteFact(_ context.Context, key string) error {
	delete(s.facts, key)
	return nil
}
func (s *fakeStore) RunsHead(context.Context) (string, error) { return fmt.Sprint(len(s.runs)), nil }
func (s *fakeStore) Close() error                             { return nil }

// fakeTarget is an environment that counts every loaded row as inserted.
type fakeTarget struct {
	rec       *recorder
	commitErr error
	tables    map[string]int // committed rows per entity
}

func (t *fakeTarget) Begin(context.Context, *format.Format) (load.Tx, error) {
	t.rec.add("env begin")
	return &fakeTx{t: t, pending: map[string]int{}}, nil
}

func (t *fakeTarget) Close() error { return nil }

type fakeTx struct {
	t       *fakeTarget
	pending map[string]int
}

func (x *fakeTx) Keys(context.Context, string) (map[string]struct{}, error) {
	return map[string]struct{}{}, nil
}

func (x *fakeTx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	var c load.Counts
	for {
		b, err := rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			x.pending[e.Name] += int(c.Inserted)
			return c, nil
		}
		if err != nil {
			return c, err
		}
		c.Inserted += int64(len(b))
	}
}

func (x *fakeTx) Fixup(context.Context, []*fixup.Rule, func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	return nil, nil
}

func (x *fakeTx) Commit(context.Context) error {
	x.t.rec.add("env commit")
	if x.t.commitErr != nil {
		return x.t.commitErr
	}
	for k, v := range x.pending {
		x.t.tables[k] += v
	}
	return nil
}

func (x *fakeTx) Rollback(context.Context) error {
	x.t.rec.add("env rollback")
	return nil
}

// fakeDrain delivers nothing: the fake store records the events queued.
func fakeDrain(context.Context, notify.Outbox, []notify.Webhook) []string { return nil }
