package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

type RunResult = usecase.RunResult

// job is one run on its way through the lifecycle.
type job struct {
	kind       string
	env        *project.Environment // nil: the run has no environment (check)
	extraction int
	dryRun     bool
	actor      Actor
	promotion  *Promotion
	queued     int // a queued run to claim and execute; 0: a new run
	lock       LockWait
	runs       runLister // names the lock's holder when the database cannot
	progress   *Progress // the run's counters, published to the state store; nil: none
	// execute does the run's work into the artifacts directory.
	execute func(ctx context.Context, run int, artifacts string) (*execution, error)
}

func (j *job) envName() string {
	if j.env == nil {
		return ""
	}
	return j.env.Name
}

// execution is what a run's work produced.
type execution struct {
	proto   *protocol.Protocol
	outcome *engine.Outcome // writes protocol.json and report.html; nil: protocol.json only
	tx      load.Tx         // the environment's transaction to settle; nil: none
	target  load.Target     // the environment's database, closed at the end
}

// lifecycle is the one life of every run (check, import, diff, fixup,
// files sync, files verify): begin → execute → gate → commit or roll back
// → write the protocol once, after the outcome is known → finish → audit
// entry → event.
func (s *Service) lifecycle(ctx context.Context, ss *session, j *job) (*RunResult, error) {
	run, err := s.begin(ctx, ss, j) // queue.go: begun here, or a queued run claimed
	if err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	arts, runErr := s.runArtifacts(ctx, ss.p, run.Number)
	if runErr != nil {
		arts = &runArtifacts{} // the run fails: its record is in the state store only
	}
	defer arts.discard()
	execCtx, lost := context.WithCancelCause(ctx)
	stopLease := s.keepLease(execCtx, ss.st, run, lost)
	stopProgress := s.publishProgress(execCtx, ss.st, run.Number, j.progress)
	var ex *execution
	if runErr == nil {
		ex, runErr = j.execute(execCtx, run.Number, arts.dir)
	}
	if ex == nil {
		ex = &execution{}
	}
	if ex.proto == nil {
		ex.proto = s.failedProtocol(run, ss.p.Hashes, runErr)
		ex.proto.Artifacts = arts.dir
	}
	proto := ex.proto
	if j.promotion != nil {
		proto.Forced = j.promotion.Forced
	}
	runErr = s.settle(execCtx, ss, j, ex, runErr)
	if ex.target != nil {
		ex.target.Close()
	}
	stopProgress()
	stopLease()
	lost(nil)
	if proto.Artifacts != "" {
		proto.Artifacts = arts.name // the run wrote into arts.dir; its record names their place in the store
	}
	runErr = writeProtocol(ex, arts.dir, runErr)
	ctx = context.WithoutCancel(ctx)
	runErr = publish(ctx, arts, proto, runErr)
	run.Status, run.Finished, run.Artifacts, run.Protocol = proto.Status, proto.Finished, proto.Artifacts, proto
	// The run's record, its audit entry and its events, in one transaction.
	events := s.outboxed(ctx, ss.st, ss.p, runEvents(ss.p, proto, arts.dir, s.now())...)
	if err := ss.st.FinishRun(ctx, run, state.Finish{Actor: j.actor.String(), Detail: runDetail(proto), Events: events}); err != nil && runErr == nil {
		runErr = fmt.Errorf("record run %d: %w", run.Number, err)
	}
	res := &RunResult{Protocol: proto, ProjectDir: ss.p.Dir, Promotion: j.promotion}
	res.Warnings = s.drain(ctx, ss.st, ss.p)
	return res, runErr
}

// keepLease renews run's lease every third of its time until stop is
// called. A lease lost (it expired and the run was reaped or taken by
// another worker) cancels the run with that cause: it must not commit.
func (s *Service) keepLease(ctx context.Context, st Store, run *state.Run, lost context.CancelCauseFunc) (stop func()) {
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(s.cfg.LeaseTTL / 3)
		defer tick.Stop()
		lease := *run
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if err := st.Renew(ctx, &lease); errors.Is(err, state.ErrLeaseLost) {
				lost(fmt.Errorf("run %d lost its lease in the state store: %w", run.Number, err))
				return
			}
		}
	}()
	return func() { close(done); <-stopped }
}

// settle decides the gate before the commit: the environment's
// transaction is committed when the run succeeded — or failed its gate in
// an environment with on_gate_failure: commit — and rolled back otherwise
// (a failure, a dry run, a diff, a failed gate).
func (s *Service) settle(ctx context.Context, ss *session, j *job, ex *execution, runErr error) error {
	if ex.tx == nil {
		return runErr
	}
	proto := ex.proto
	gateOK := proto.Status != protocol.StatusGateFailed || j.env.OnGateFailure == project.GateFailureCommit
	if runErr != nil || j.dryRun || j.kind == protocol.KindDiff || !gateOK {
		if err := ex.tx.Rollback(context.WithoutCancel(ctx)); err != nil && runErr == nil {
			runErr = fmt.Errorf("roll back: %w", err)
		}
		if j.kind != protocol.KindDiff {
			proto.Transaction = protocol.TransactionRolledBack
		}
		return runErr
	}
	proto.Transaction = protocol.TransactionCommitted
	if err := s.recordRun(ctx, ss, ex); err != nil {
		proto.Status, proto.Error, proto.Transaction = protocol.StatusFailed, err.Error(), protocol.TransactionRolledBack
		if rerr := ex.tx.Rollback(context.WithoutCancel(ctx)); rerr != nil {
			err = fmt.Errorf("%w; roll back: %v", err, rerr)
		}
		return fmt.Errorf("%s: %w", txWhat(j.kind, j.env.Name), err)
	}
	if err := ex.tx.Commit(ctx); err != nil {
		proto.Status, proto.Error = protocol.StatusFailed, fmt.Sprintf("commit: %v", err)
		proto.Transaction = protocol.TransactionRolledBack
		return fmt.Errorf("%s: commit: %w", txWhat(j.kind, j.env.Name), err)
	}
	proto.Transaction = protocol.TransactionCommitted
	if s.cfg.Hooks.AfterCommit != nil {
		s.cfg.Hooks.AfterCommit()
	}
	return nil
}

// writeProtocol writes the run's protocol.json (and report.html) into
// dir, the directory the run wrote its artifacts into, once, now that the
// outcome is known. A run whose transaction committed stays succeeded when
// they cannot be written: the error is returned and the protocol in the
// state store says so.
func writeProtocol(ex *execution, dir string, runErr error) error {
	proto := ex.proto
	var err error
	switch {
	case proto.Artifacts == "" || dir == "":
	case ex.outcome != nil:
		err = ex.outcome.WriteArtifactsTo(dir)
	default:
		if err = os.MkdirAll(dir, 0o755); err == nil {
			err = engine.WriteProtocol(filepath.Join(dir, "protocol.json"), proto)
		}
	}
	if err == nil {
		return runErr
	}
	failArtifacts(proto, err)
	// The record of the failure, where the artifacts were to be (best
	// effort: the state store holds it in any case).
	_ = engine.WriteProtocol(filepath.Join(dir, "protocol.json"), proto)
	if runErr != nil {
		return runErr
	}
	return err
}

// failArtifacts records that the run's artifacts could not be written or
// stored: a warning of a run whose transaction committed, else the run's
// failure (unless it failed already).
func failArtifacts(proto *protocol.Protocol, err error) {
	switch {
	case proto.Transaction == protocol.TransactionCommitted:
		proto.Warnings = append(proto.Warnings, "the run's artifacts could not be written: "+err.Error())
	case proto.Error == "":
		proto.Status, proto.Error = protocol.StatusFailed, err.Error()
	}
}

// publish stores the artifacts written into a temporary directory in the
// artifact store (a remote one); a failure counts as writeProtocol's.
func publish(ctx context.Context, arts *runArtifacts, proto *protocol.Protocol, runErr error) error {
	err := arts.publish(ctx)
	if err == nil {
		return runErr
	}
	failArtifacts(proto, err)
	if runErr != nil {
		return runErr
	}
	return err
}

// failedProtocol is the protocol of a run that failed before it made one.
func (s *Service) failedProtocol(run *state.Run, h project.Hashes, runErr error) *protocol.Protocol {
	proto := &protocol.Protocol{Run: run.Number, Kind: run.Kind, Env: run.Env, Extraction: run.Extraction,
		Status: protocol.StatusFailed, Started: run.Started, Finished: s.now().UTC(), Version: s.cfg.Version,
		Hashes:   protocol.Hashes{Recipes: h.Recipes, Format: h.Format, Lookups: h.Lookups, Fixups: h.Fixups, Inputs: map[string]string{}},
		Entities: []*protocol.Entity{}, Gate: protocol.Gate{Passed: true, Checks: []protocol.Check{}}}
	if errors.Is(runErr, context.Canceled) {
		proto.Status = protocol.StatusInterrupted
	}
	if runErr != nil {
		proto.Error = runErr.Error()
	}
	return proto
}
