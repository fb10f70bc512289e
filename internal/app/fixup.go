package app

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/usecase"
)

type FixupRequest = usecase.FixupRequest

// Fixup re-runs the project's fix-up rules on an environment, as a run of
// kind fixup in one transaction (rolled back for a dry run).
func (s *Service) Fixup(ctx context.Context, req FixupRequest) (*RunResult, error) {
	if req.Env == "" {
		return nil, invalid("fixup needs an environment")
	}
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	env, err := environment(p, req.Env)
	if err != nil {
		return nil, err
	}
	if len(p.Fixups) == 0 {
		return nil, invalid("no fix-up rules: declare them under fixups: in a recipe or in %s", filepath.Base(p.ConfigPath))
	}
	st, err := s.openState(ctx, p)
	if err != nil {
		return nil, err
	}
	ss := &session{p: p, st: st}
	defer ss.close()
	if err := s.auditConfig(ctx, st, p, req.Actor); err != nil {
		return nil, fmt.Errorf("record configuration: %w", err)
	}
	n, err := lastImported(ctx, st, req.Env)
	if err != nil {
		return nil, err
	}
	x := &extract.Extraction{}
	x.Number = n
	spec := engine.SpecOf(p)
	opts := engine.Options{Extraction: x, Env: env.Name, DryRun: req.DryRun, Version: s.cfg.Version, Now: s.cfg.Now, Memory: s.cfg.Memory}
	j := &job{kind: protocol.KindFixup, env: env, extraction: n, dryRun: req.DryRun, actor: req.Actor, lock: req.Lock, runs: st}
	j.execute = func(ctx context.Context, run int, artifacts string) (*execution, error) {
		opts.Run, opts.Artifacts = run, artifacts
		return s.inTransaction(ctx, j, run, spec.Format, func(ctx context.Context, tx load.Tx) (*engine.Outcome, error) {
			return engine.Fixup(ctx, spec, tx, opts)
		})
	}
	return s.lifecycle(ctx, ss, j)
}

// lastImported is the extraction of the newest committed import into env
// (0 when there is none): what the fix-up works on.
func lastImported(ctx context.Context, st Store, env string) (int, error) {
	runs, err := st.Runs(ctx, env)
	if err != nil {
		return 0, fmt.Errorf("read runs: %w", err)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Kind != protocol.KindImport || r.Protocol == nil || r.Protocol.DryRun {
			continue
		}
		if r.Status == protocol.StatusSucceeded ||
			(r.Status == protocol.StatusGateFailed && r.Protocol.Transaction != protocol.TransactionRolledBack) {
			return r.Extraction, nil
		}
	}
	return 0, nil
}
