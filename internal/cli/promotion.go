package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/plan"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/state"
)

// validatePlan checks handover.yaml's plan: entries with
// plan.ValidateOverrides, each problem at the line of its entry.
func validatePlan(p *project.Project) error {
	cfg := planBase(p)
	errs := &project.Errors{}
	seen := 0
	for i, s := range p.Plan {
		// overrides apply in order, so the problems of a prefix are those of
		// its entries: the new ones belong to entry i
		lines := errorLines(plan.ValidateOverrides(cfg.Overrides[:i+1], cfg))
		for _, l := range lines[min(seen, len(lines)):] {
			errs.Add(project.ConfigFile, s.Line, "%s", l)
		}
		seen = len(lines)
	}
	return errs.Err()
}

func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// planBase is the runbook configuration of p without evidence or clock.
func planBase(p *project.Project) plan.Config {
	cfg := plan.Config{Envs: plan.EnvsOf(p), Hashes: p.Hashes}
	if t, err := time.Parse(time.DateOnly, p.Cutover); err == nil {
		cfg.Cutover = t
	}
	for _, env := range p.Environments {
		cfg.Files = cfg.Files || env.Files != ""
	}
	for _, s := range p.Plan {
		cfg.Overrides = append(cfg.Overrides, plan.Override{ID: s.ID, Title: s.Title, Owner: s.Owner,
			Due: s.Due, Remove: s.Remove, After: s.After})
	}
	return cfg
}

// buildPlan derives the runbook from the state store, dated from today.
func (a *app) buildPlan(ctx context.Context, st *state.Store, p *project.Project) (*plan.Plan, error) {
	cfg := planBase(p)
	if cfg.Cutover.IsZero() {
		return nil, usageErr("no cutover date: set cutover: YYYY-MM-DD (day J) in %s", project.ConfigFile)
	}
	cfg.Today = a.now()
	xs, err := extract.NewStore(filepath.Join(handoverDir(p), "extractions")).List()
	if err != nil {
		return nil, fmt.Errorf("read extractions: %w", err)
	}
	for _, x := range xs {
		cfg.Extractions = append(cfg.Extractions, plan.Extraction{Number: x.Number, Received: x.Received, Label: x.Label})
	}
	return plan.Build(ctx, st, cfg)
}

// promote applies the promotion rules to an import. A refusal is audited
// and returned as an exit-2 error; with --force it is audited as forced
// and the reason is returned for the protocol.
func (a *app) promote(ctx context.Context, st *state.Store, p *project.Project, x *extract.Extraction, req runRequest) (string, error) {
	d, err := promote.Check(ctx, st, p, promote.Request{Env: req.env, Hashes: p.Hashes, Extraction: x.Number,
		Received: x.Received, Freeze: promote.Freeze{Off: p.Freeze.Off, Envs: p.FreezeEnvs()}})
	if err != nil {
		return "", err
	}
	what := fmt.Sprintf("import into %s, extraction %d", req.env, x.Number)
	switch {
	case d.Allowed:
		if req.force {
			fmt.Fprintln(a.stderr, "note: nothing to force, the promotion rules are met")
		}
		if !a.json {
			for _, e := range d.Evidence {
				fmt.Fprintf(a.stdout, "promotion: %s\n", e)
			}
		}
		return "", nil
	case req.force:
		detail := fmt.Sprintf("%s forced: %q; overriding: %s", what, req.reason, strings.Join(d.Missing, "; "))
		if err := st.Audit(ctx, a.actor(), actionForce, detail, a.now()); err != nil {
			return "", err
		}
		fmt.Fprintf(a.stderr, "warning: promotion forced (%s), written to the audit log; it overrides:\n", req.reason)
		for _, m := range d.Missing {
			fmt.Fprintf(a.stderr, "  %s\n", m)
		}
		return req.reason, nil
	}
	if err := st.Audit(ctx, a.actor(), actionRefused, what+": "+strings.Join(d.Missing, "; "), a.now()); err != nil {
		return "", err
	}
	if a.json {
		if err := a.printJSON(decisionJSON(req.env, x.Number, d)); err != nil {
			return "", err
		}
	}
	return "", &exitError{code: exitUsage, err: refusal(what, d.Missing)}
}

func refusal(what string, missing []string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s refused:", what)
	for _, m := range missing {
		b.WriteString("\n  " + m)
	}
	b.WriteString("\nnext: do what is listed above, then import again — or override with --force --reason TEXT (written to the audit log)")
	return errors.New(b.String())
}

func decisionJSON(env string, extraction int, d *promote.Decision) any {
	return struct {
		Allowed    bool     `json:"allowed"`
		Env        string   `json:"env"`
		Extraction int      `json:"extraction"`
		Missing    []string `json:"missing"`
		Evidence   []string `json:"evidence"`
	}{d.Allowed, env, extraction, append([]string{}, d.Missing...), append([]string{}, d.Evidence...)}
}
