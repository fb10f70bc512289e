package app

import (
	"context"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/usecase"
)

type Promotion = usecase.Promotion

// promote applies the promotion rules to an import. A refusal is audited
// and returned as a *Refusal; with force it is audited as forced and the
// returned Promotion carries the reason.
func (s *Service) promote(ctx context.Context, ss *session, x *extract.Extraction, req ImportRequest) (*Promotion, error) {
	p := ss.p
	d, err := promote.Check(ctx, ss.st, p, promote.Request{Env: req.Env, Hashes: p.Hashes, Extraction: x.Number,
		Received: x.Received, Freeze: promote.Freeze{Off: p.Freeze.Off, Envs: p.FreezeEnvs()}})
	if err != nil {
		return nil, err
	}
	blocking, err := gateBlocks(ctx, ss.st, p.Environments[req.Env], x.Number)
	if err != nil {
		return nil, err
	}
	ref := &Refusal{Env: req.Env, Extraction: x.Number, Missing: append(d.Missing, blocking.missing...),
		Evidence: d.Evidence, Runs: blocking.runs, Next: nextAfterRefusal}
	switch {
	case len(ref.Missing) == 0:
		return &Promotion{Evidence: d.Evidence, NothingToForce: req.Force}, nil
	case req.Force:
		detail := fmt.Sprintf("%s forced: %q; overriding: %s", refusalWhat(ref), req.Reason, strings.Join(ref.Missing, "; "))
		if err := ss.st.Audit(ctx, req.Actor.String(), ActionForce, detail, s.now()); err != nil {
			return nil, err
		}
		s.emit(ctx, ss.st, p, notify.PromotionEvent(p.Migration, notify.Promotion{Env: req.Env, Extraction: x.Number,
			Missing: ref.Missing, Reason: req.Reason, By: req.Actor.String()}, true, s.now()))
		return &Promotion{Evidence: d.Evidence, Forced: req.Reason, Overridden: ref.Missing}, nil
	}
	if err := ss.st.Audit(ctx, req.Actor.String(), ActionRefused, refusalWhat(ref)+": "+strings.Join(ref.Missing, "; "), s.now()); err != nil {
		return nil, err
	}
	s.emit(ctx, ss.st, p, notify.PromotionEvent(p.Migration, notify.Promotion{Env: req.Env, Extraction: x.Number,
		Missing: ref.Missing, By: req.Actor.String()}, false, s.now()))
	return nil, ref
}

type blockingRuns struct {
	missing []string
	runs    []int
}

// gateBlocks finds, in each environment env requires, whether the newest
// import of the extraction being promoted failed its gate: that blocks the
// promotion, naming the run.
func gateBlocks(ctx context.Context, ev promote.Evidence, env *project.Environment, extraction int) (blockingRuns, error) {
	var b blockingRuns
	for _, name := range env.Requires {
		runs, err := ev.Runs(ctx, name)
		if err != nil {
			return b, fmt.Errorf("check promotion to %s: %w", env.Name, err)
		}
		for i := len(runs) - 1; i >= 0; i-- {
			r := runs[i]
			if r.Kind != protocol.KindImport || r.Extraction != extraction || (r.Protocol != nil && r.Protocol.DryRun) ||
				(r.Status != protocol.StatusSucceeded && r.Status != protocol.StatusGateFailed) {
				continue
			}
			if r.Status == protocol.StatusGateFailed {
				b.missing = append(b.missing, fmt.Sprintf("%s: run %d, the import of extraction %d, failed the quality gate (handover show %d); fix the delivery or the recipes and import into %s again",
					name, r.Number, extraction, r.Number, name))
				b.runs = append(b.runs, r.Number)
			}
			break
		}
	}
	return b, nil
}

// refusalWhat names the import a refusal is about.
func refusalWhat(r *Refusal) string {
	return fmt.Sprintf("import into %s, extraction %d", r.Env, r.Extraction)
}
