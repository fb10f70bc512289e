package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

// StatusQueued is the status of a run waiting for a worker.
const StatusQueued = state.StatusQueued

// ActionQueue is the audit action of a run queued for a worker.
const ActionQueue = "queue"

type QueueRequest = usecase.QueueRequest

type QueuedRun = usecase.QueuedRun

type Enqueuer = usecase.Enqueuer

// queueStore is the optional capability of a Store to queue runs;
// *state.Store has it.
type queueStore interface {
	QueueRun(ctx context.Context, nr state.NewRun) (*state.Run, error)
	ClaimRun(ctx context.Context, n int) (*state.Run, error)
}

type ClaimError = usecase.ClaimError

// Queue records a queued run and hands it to q; a run q refuses is
// recorded as failed. Problems of the request are *InvalidError or
// *NotFoundError, as for running it at once.
func (s *Service) Queue(ctx context.Context, req QueueRequest, q Enqueuer) (*QueuedRun, error) {
	switch {
	case req.Kind != protocol.KindCheck && req.Kind != protocol.KindImport && req.Kind != protocol.KindSync:
		return nil, invalid("a %s run cannot be queued (check, import and files sync can)", req.Kind)
	case req.Kind != protocol.KindCheck && req.Env == "":
		return nil, invalid("%s needs an environment", req.Kind)
	case req.Force && req.Reason == "":
		return nil, invalid("--force needs --reason TEXT: why the promotion rules are overridden (written to the audit log)")
	case req.Timeout < 0 || req.Timeout > 0 && req.Timeout < time.Second:
		return nil, invalid("a run's timeout must be at least 1s, not %s", req.Timeout)
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	if req.Kind != protocol.KindCheck {
		if _, err := environment(ss.p, req.Env); err != nil {
			return nil, err
		}
	}
	x, err := s.extraction(ctx, ss.p, req.Extraction)
	if req.Kind == protocol.KindImport {
		x, err = s.importExtraction(ctx, ss.st, ss.p, req.Extraction)
	}
	if err != nil {
		return nil, err
	}
	qs, ok := ss.st.(queueStore)
	if !ok {
		return nil, errors.New("queue run: this state store cannot queue runs")
	}
	run, err := qs.QueueRun(ctx, state.NewRun{Kind: req.Kind, Env: req.Env, Extraction: x.Number, By: req.Actor.String(), Started: s.now()})
	if err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	qr := &QueuedRun{Migration: ss.p.Migration, Project: ss.p.Dir, Run: run.Number, Kind: req.Kind, Env: req.Env,
		Extraction: x.Number, Actor: req.Actor.String(), DryRun: req.DryRun, Force: req.Force, Reason: req.Reason,
		Prefix: req.Prefix, Delete: req.Delete, Parallel: req.Parallel, Timeout: int(req.Timeout.Round(time.Second) / time.Second),
		LockTimeout: lockSeconds(req.LockTimeout)}
	if err := q.Enqueue(ctx, *qr); err != nil {
		return nil, s.failQueued(ctx, ss, run.Number, req.Actor, fmt.Errorf("queue run %d: %w", run.Number, err))
	}
	detail := fmt.Sprintf("run %d %s queued, extraction %d", run.Number, Where(req.Kind, req.Env), x.Number)
	if err := ss.st.Audit(ctx, req.Actor.String(), ActionQueue, detail, s.now()); err != nil {
		return qr, fmt.Errorf("run %d queued, but its audit entry failed: %w", run.Number, err)
	}
	return qr, nil
}

// Execute executes queued run r in the project at r.Project (a worker
// sets its own directory of the migration): the run is claimed, then goes
// through the same lifecycle as when it runs at once. A request the
// project no longer accepts (its configuration, a promotion refused) is
// recorded as the run's failure and returned. A *ClaimError says the run
// was not executed here.
func (s *Service) Execute(ctx context.Context, r QueuedRun) (*RunResult, error) {
	actor := Actor{Name: r.Actor}
	lock := LockWait{Timeout: time.Duration(r.LockTimeout) * time.Second}
	var res *RunResult
	var err error
	switch r.Kind {
	case protocol.KindCheck:
		res, err = s.check(ctx, CheckRequest{Actor: actor, Project: r.Project, Extraction: r.Extraction}, r.Run)
	case protocol.KindImport:
		res, err = s.importRun(ctx, ImportRequest{Actor: actor, Project: r.Project, Env: r.Env, Extraction: r.Extraction,
			DryRun: r.DryRun, Force: r.Force, Reason: r.Reason, Lock: lock}, r.Run)
	case protocol.KindSync:
		var fr *FilesSyncResult
		fr, err = s.filesSync(ctx, FilesSyncRequest{Actor: actor, Project: r.Project, Env: r.Env, Extraction: r.Extraction,
			Prefix: r.Prefix, DryRun: r.DryRun, Delete: r.Delete, Parallel: max(r.Parallel, 1)}, r.Run)
		if fr != nil {
			res = &fr.RunResult
		}
	default:
		err = invalid("a worker cannot execute a %q run", r.Kind)
	}
	if res == nil && IsInvalid(err) {
		ss, oerr := s.open(ctx, r.Project)
		if oerr != nil {
			return nil, errors.Join(err, oerr)
		}
		defer ss.close()
		return nil, s.failQueued(ctx, ss, r.Run, actor, err)
	}
	return res, err
}

// lockSeconds is a queued run's lock wait in whole seconds, rounded up so
// that a wait shorter than a second still waits: a negative d (do not
// wait) stays negative.
func lockSeconds(d time.Duration) int {
	if d < 0 {
		return -1
	}
	return int((d + time.Second - 1) / time.Second)
}

// begin records a new run as running, or claims the job's queued run.
func (s *Service) begin(ctx context.Context, ss *session, j *job) (*state.Run, error) {
	if j.queued == 0 {
		return ss.st.BeginRun(ctx, state.NewRun{Kind: j.kind, Env: j.envName(), Extraction: j.extraction, By: j.actor.String(), Started: s.now()})
	}
	return s.claim(ctx, ss, j.queued)
}

// claim takes queued run n for this process; a run it cannot take is a
// *ClaimError.
func (s *Service) claim(ctx context.Context, ss *session, n int) (*state.Run, error) {
	qs, ok := ss.st.(queueStore)
	if !ok {
		return nil, fmt.Errorf("claim run %d: this state store cannot queue runs", n)
	}
	run, err := qs.ClaimRun(ctx, n)
	if errors.Is(err, state.ErrNotClaimable) {
		cur, rerr := ss.st.Run(ctx, n)
		if rerr != nil {
			return nil, errors.Join(err, rerr)
		}
		return nil, &ClaimError{Run: n, Status: cur.Status, Holder: cur.Holder}
	}
	return run, err
}

// failQueued records queued run n as failed with cause (nothing ran) and
// returns cause; a run it cannot claim is left as it is.
func (s *Service) failQueued(ctx context.Context, ss *session, n int, actor Actor, cause error) error {
	ctx = context.WithoutCancel(ctx)
	run, err := s.claim(ctx, ss, n)
	if err != nil {
		return errors.Join(cause, err)
	}
	proto := s.failedProtocol(run, ss.p.Hashes, cause)
	run.Status, run.Finished, run.Protocol = proto.Status, proto.Finished, proto
	if err := ss.st.FinishRun(ctx, run, state.Finish{Actor: actor.String(), Detail: runDetail(proto)}); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}
