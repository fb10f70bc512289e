package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/usecase"
)

type CheckRequest = usecase.CheckRequest

type ImportRequest = usecase.ImportRequest

type LockWait = usecase.LockWait

// DefaultLockTimeout is how long a run waits for its environment's lock
// when the request does not say.
const DefaultLockTimeout = usecase.DefaultLockTimeout

func lockTimeout(l LockWait) time.Duration {
	switch {
	case l.Timeout == 0:
		return DefaultLockTimeout
	case l.Timeout < 0:
		return 0
	}
	return l.Timeout
}

type DiffRequest = usecase.DiffRequest

// Check transforms and validates an extraction and records the run.
func (s *Service) Check(ctx context.Context, req CheckRequest) (*RunResult, error) {
	return s.check(ctx, req, 0)
}

// check is Check, or with queued > 0 Execute's claim of that queued run.
func (s *Service) check(ctx context.Context, req CheckRequest, queued int) (*RunResult, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	x, err := s.extraction(ctx, ss.p, req.Extraction)
	if err != nil {
		return nil, err
	}
	j, err := s.engineJob(ctx, ss, protocol.KindCheck, nil, x, req.Actor, false, req.Progress)
	if err != nil {
		return nil, err
	}
	j.queued = queued
	return s.lifecycle(ctx, ss, j)
}

// Import loads an extraction into an environment in one transaction,
// under the promotion rules; a refusal is a *Refusal and nothing ran.
func (s *Service) Import(ctx context.Context, req ImportRequest) (*RunResult, error) {
	return s.importRun(ctx, req, 0)
}

// importRun is Import, or with queued > 0 Execute's claim of that queued
// run.
func (s *Service) importRun(ctx context.Context, req ImportRequest, queued int) (*RunResult, error) {
	switch {
	case req.Env == "":
		return nil, invalid("import needs an environment")
	case req.Force && req.Reason == "":
		return nil, invalid("--force needs --reason TEXT: why the promotion rules are overridden (written to the audit log)")
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	env, err := environment(ss.p, req.Env)
	if err != nil {
		return nil, err
	}
	x, err := s.importExtraction(ctx, ss.st, ss.p, req.Extraction)
	if err != nil {
		return nil, err
	}
	if err := s.auditConfig(ctx, ss.st, ss.p, req.Actor); err != nil {
		return nil, fmt.Errorf("record configuration: %w", err)
	}
	prom, err := s.promote(ctx, ss, x, req)
	if err != nil {
		return nil, err
	}
	j, err := s.engineJob(ctx, ss, protocol.KindImport, env, x, req.Actor, req.DryRun, req.Progress)
	if err != nil {
		return nil, err
	}
	j.promotion, j.queued, j.lock = prom, queued, req.Lock
	return s.lifecycle(ctx, ss, j)
}

// Diff compares an extraction with an environment: what an import would
// insert, update and remove. It writes nothing to the environment.
func (s *Service) Diff(ctx context.Context, req DiffRequest) (*RunResult, error) {
	if req.Env == "" {
		return nil, invalid("diff needs an environment")
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	env, err := environment(ss.p, req.Env)
	if err != nil {
		return nil, err
	}
	x, err := s.importExtraction(ctx, ss.st, ss.p, req.Extraction)
	if err != nil {
		return nil, err
	}
	j, err := s.engineJob(ctx, ss, protocol.KindDiff, env, x, req.Actor, false, req.Progress)
	if err != nil {
		return nil, err
	}
	j.lock = req.Lock
	return s.lifecycle(ctx, ss, j)
}

// engineJob is a check, import or diff: the engine over an extraction,
// inside the environment's transaction when there is an environment.
func (s *Service) engineJob(ctx context.Context, ss *session, kind string, env *project.Environment,
	x *extract.Extraction, actor Actor, dry bool, prog *Progress) (*job, error) {
	if prog == nil {
		prog = new(Progress) // published to the state store while the run executes
	}
	if kind == protocol.KindCheck {
		if err := s.auditConfig(ctx, ss.st, ss.p, actor); err != nil {
			return nil, fmt.Errorf("record configuration: %w", err)
		}
	}
	prev, err := previousCounts(ctx, ss.st, x.Number)
	if err != nil {
		return nil, err
	}
	store, err := s.artifactStore(ctx, ss.p) // the run's inputs are archived there (recipes.go)
	if err != nil {
		return nil, err
	}
	spec := engine.SpecOf(ss.p)
	opts := engine.Options{Archive: store, Extraction: x, DryRun: dry, Version: s.cfg.Version, Now: s.cfg.Now, Memory: s.cfg.Memory,
		Progress: prog.Rows(), Previous: prev, PreviousExtraction: s.previousExtraction(ctx, ss.p, x.Number),
	}
	j := &job{kind: kind, env: env, extraction: x.Number, dryRun: dry, actor: actor, runs: ss.st, progress: prog}
	j.execute = func(ctx context.Context, run int, artifacts string) (*execution, error) {
		opts.Run, opts.Artifacts = run, artifacts
		if env == nil {
			out, err := engine.Check(ctx, spec, opts)
			return &execution{proto: out.Protocol, outcome: out}, err
		}
		opts.Env = env.Name
		opts.RefsFromEnvironment = env.References == project.ReferencesEnvironment
		return s.inTransaction(ctx, j, run, spec.Format, func(ctx context.Context, tx load.Tx) (*engine.Outcome, error) {
			if kind == protocol.KindDiff {
				return engine.Diff(ctx, spec, tx.(load.DiffTx), opts) // inTransaction began a diff
			}
			return engine.Import(ctx, spec, tx, opts)
		})
	}
	return j, nil
}

// inTransaction opens the environment, begins its transaction (for a diff
// one that is always rolled back) and runs fn in it; the lifecycle settles
// the transaction.
func (s *Service) inTransaction(ctx context.Context, j *job, run int, f *format.Format,
	fn func(context.Context, load.Tx) (*engine.Outcome, error)) (*execution, error) {
	env := j.env
	target, err := s.cfg.OpenEnv(ctx, env.Database, load.Options{Env: env.Name, Now: s.cfg.Now, Memory: s.cfg.Memory,
		Holder: s.holder(run, j.kind), LockWait: lockTimeout(j.lock), OnWait: j.onWait(ctx, run)})
	if err != nil {
		nameHolder(ctx, j, run, err) // an import writing with a rollback journal holds the file itself
		return nil, fmt.Errorf("open environment %s: %w", env.Name, err)
	}
	var tx load.Tx
	if j.kind == protocol.KindDiff {
		tx, err = load.BeginDiff(ctx, target, f)
	} else {
		tx, err = target.Begin(ctx, f)
	}
	if err != nil {
		target.Close()
		nameHolder(ctx, j, run, err)
		return nil, fmt.Errorf("%s: %w", txWhat(j.kind, env.Name), err)
	}
	out, runErr := fn(ctx, tx)
	ex := &execution{outcome: out, tx: tx, target: target}
	if out != nil {
		ex.proto = out.Protocol
	}
	return ex, runErr
}

// nameHolder names, in a refusal because the environment is busy, the run
// holding it when the environment could not.
func nameHolder(ctx context.Context, j *job, run int, err error) {
	var busy *load.BusyError
	if errors.As(err, &busy) && busy.Holder == "" && j.runs != nil {
		busy.Holder = runningHolder(ctx, j.runs, j.env.Name, run)
	}
}

// holder names a run as an import waiting for its lock sees it.
func (s *Service) holder(run int, kind string) string {
	host, _ := os.Hostname()
	return fmt.Sprintf("run %d %s, host %s, since %s", run, kind, host, s.now().UTC().Format("2006-01-02T15:04Z"))
}

// txWhat names a run's work in an environment, for errors.
func txWhat(kind, env string) string {
	switch kind {
	case protocol.KindDiff:
		return "diff against " + env
	case protocol.KindFixup:
		return "fix-up in " + env
	}
	return kind + " into " + env
}

// previousCounts returns the read counts per entity of the newest finished
// run on an earlier extraction, for the count-change check.
func previousCounts(ctx context.Context, st Store, extraction int) (map[string]int64, error) {
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Extraction >= extraction || r.Protocol == nil || len(r.Protocol.Entities) == 0 ||
			(r.Status != protocol.StatusSucceeded && r.Status != protocol.StatusGateFailed) {
			continue
		}
		out := map[string]int64{}
		for _, e := range r.Protocol.Entities {
			out[e.Name] = e.Read
		}
		return out, nil
	}
	return nil, nil
}
