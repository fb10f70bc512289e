package runbook

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// KindFixup is the run kind of handover fixup.
const KindFixup = "fixup"

// Envs names the environments the runbook's steps are about. An empty name
// drops the steps about that environment.
type Envs struct {
	Dev, Preprod, Prod string
}

// EnvsOf derives the runbook's environments from the longest requires
// chain of p: its last environment is prod, the one before preprod, the
// first dev. A chain of two has no preprod; a single environment is prod.
func EnvsOf(p *project.Project) Envs {
	var best []string
	for _, name := range p.EnvOrder {
		if c := chain(p, name); len(c) > len(best) {
			best = c
		}
	}
	var e Envs
	switch n := len(best); {
	case n == 0:
	case n == 1:
		e.Prod = best[0]
	default:
		e.Dev, e.Prod = best[0], best[n-1]
		if n >= 3 {
			e.Preprod = best[n-2]
		}
	}
	return e
}

// chain follows the first requirement from name back to an environment
// that requires none, and returns the chain from there to name.
func chain(p *project.Project, name string) []string {
	var c []string
	seen := map[string]bool{}
	for name != "" && !seen[name] {
		env, ok := p.Environments[name]
		if !ok {
			break
		}
		seen[name] = true
		c = append([]string{name}, c...)
		name = ""
		if len(env.Requires) > 0 {
			name = env.Requires[0]
		}
	}
	return c
}

// world is the evidence a runbook is derived from, read once.
type world struct {
	ev        Evidence
	cfg       Config
	runs      []*state.Run // all runs, ascending
	approvals map[int][]state.Approval
	facts     map[string]factValue
	done      map[string]result // evaluated steps
	strict    bool              // imports must have the current hashes
}

type factValue struct {
	value string
	at    time.Time
	ok    bool
}

// result is a step's evaluation.
type result struct {
	done     bool
	evidence []string
	note     string
	run      *state.Run // the run that proves it, if any
}

func newWorld(ctx context.Context, ev Evidence, cfg Config) (*world, error) {
	runs, err := ev.Runs(ctx, "")
	if err != nil {
		return nil, err
	}
	w := &world{ev: ev, cfg: cfg, runs: runs, approvals: map[int][]state.Approval{},
		facts: map[string]factValue{}, done: map[string]result{}}
	w.strict = cfg.Hashes.Recipes != "" && (cfg.Envs.Prod == "" || len(w.passed(cfg.Envs.Prod, protocol.KindImport)) == 0)
	return w, nil
}

// passed returns the successful, non-dry runs of kind into env, newest first.
func (w *world) passed(env, kind string) []*state.Run {
	var out []*state.Run
	for i := len(w.runs) - 1; i >= 0; i-- {
		r := w.runs[i]
		if r.Env == env && r.Kind == kind && r.Status == protocol.StatusSucceeded && (r.Protocol == nil || !r.Protocol.DryRun) {
			out = append(out, r)
		}
	}
	return out
}

// imports returns the successful imports into env that count, newest
// first, and a note when some do not count because the recipes or format
// changed since.
func (w *world) imports(env string) ([]*state.Run, string) {
	var out []*state.Run
	var stale *state.Run
	for _, r := range w.passed(env, protocol.KindImport) {
		switch {
		case r.Protocol == nil:
		case w.strict && !promote.SameHashes(r, w.cfg.Hashes):
			if stale == nil {
				stale = r
			}
		default:
			out = append(out, r)
		}
	}
	if len(out) == 0 && stale != nil {
		return nil, fmt.Sprintf("recipes or format changed since run %d: import into %s again", stale.Number, env)
	}
	return out, ""
}

func (w *world) approvalsOf(ctx context.Context, run int) ([]state.Approval, error) {
	if as, ok := w.approvals[run]; ok {
		return as, nil
	}
	as, err := w.ev.Approvals(ctx, run)
	if err != nil {
		return nil, err
	}
	w.approvals[run] = as
	return as, nil
}

func (w *world) fact(ctx context.Context, key string) (factValue, error) {
	if f, ok := w.facts[key]; ok {
		return f, nil
	}
	v, at, ok, err := w.ev.Fact(ctx, key)
	if err != nil {
		return factValue{}, err
	}
	f := factValue{v, at, ok}
	w.facts[key] = f
	return f, nil
}

// signedRun returns the newest of runs holding role's sign-off, or a note
// on what the newest lacks.
func (w *world) signedRun(ctx context.Context, runs []*state.Run, role string) (result, error) {
	for _, r := range runs {
		as, err := w.approvalsOf(ctx, r.Number)
		if err != nil {
			return result{}, err
		}
		if slices.Contains(w.cfg.Authenticated, role) {
			as = promote.CountingAuthenticated(as)
		}
		if a, ok := promote.Approved(as, role); ok {
			return result{done: true, run: r, evidence: []string{runName(r), promote.Describe(a)}}, nil
		}
	}
	if slices.Contains(w.cfg.Authenticated, role) {
		r := runs[0]
		as, _ := w.approvalsOf(ctx, r.Number)
		note := fmt.Sprintf("run %d needs a sign-off by %s from an account of the web server (handover serve)", r.Number, role)
		if a, ok := promote.Approved(as, role); ok {
			note += fmt.Sprintf("; %s on the command line is unauthenticated and does not count", promote.Describe(a))
		}
		return result{note: note}, nil
	}
	r := runs[0]
	as, _ := w.approvalsOf(ctx, r.Number)
	if a, ok := promote.Latest(as, role); ok {
		return result{note: fmt.Sprintf("run %d was %s", r.Number, promote.Describe(a))}, nil
	}
	return result{note: fmt.Sprintf(`run %d needs a sign-off by %s ("handover approve %d --as %s --by NAME")`, r.Number, role, r.Number, role)}, nil
}

func runName(r *state.Run) string { return fmt.Sprintf("run %d", r.Number) }

func day(t time.Time) string { return t.Format(time.DateOnly) }
