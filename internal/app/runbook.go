package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/runbook"
	"github.com/handover/handover/internal/usecase"
)

// The runbook's types, for front ends.
type (
	// Runbook is the migration's steps with each one's status.
	Runbook = runbook.Runbook
	// Step is one step of the runbook.
	Step = runbook.Step
)

// StepDone is the status of a step whose evidence exists.
const StepDone = runbook.Done

// Relative names a day relative to J: "J-7", "J", "J+2".
func Relative(offset int) string { return runbook.Relative(offset) }

type RunbookRequest = usecase.RunbookRequest

type RunbookResult = usecase.RunbookResult

// Runbook derives the runbook from the state store, dated from today, and
// sends overdue steps once to the webhooks that want step_overdue.
func (s *Service) Runbook(ctx context.Context, req RunbookRequest) (*RunbookResult, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	pl, err := s.buildRunbook(ctx, ss.st, ss.p)
	if err != nil {
		return nil, err
	}
	warnings, err := s.notifyOverdue(ctx, ss.st, ss.p, pl)
	if err != nil {
		return nil, err
	}
	return &RunbookResult{Migration: ss.p.Migration, Runbook: pl, Warnings: warnings}, nil
}

// checkPlan checks handover.yaml's plan: entries with
// runbook.ValidateOverrides, each problem at the line of its entry; the
// project loader runs it with its other checks (a project.Check).
func checkPlan(p *project.Project, errs *project.Errors) {
	cfg := planBase(p)
	seen := 0
	for i, s := range p.Plan {
		// overrides apply in order, so the problems of a prefix are those of
		// its entries: the new ones belong to entry i
		lines := errorLines(runbook.ValidateOverrides(cfg.Overrides[:i+1], cfg))
		for _, l := range lines[min(seen, len(lines)):] {
			errs.Add(project.ConfigFile, s.Line, "%s", l)
		}
		seen = len(lines)
	}
}

func errorLines(err error) []string {
	if err == nil {
		return nil
	}
	return strings.Split(err.Error(), "\n")
}

// planBase is the runbook configuration of p without evidence or clock.
func planBase(p *project.Project) runbook.Config {
	cfg := runbook.Config{Envs: runbook.EnvsOf(p), Hashes: p.Hashes, Fixups: len(p.Fixups) > 0}
	if t, err := time.Parse(time.DateOnly, p.Cutover); err == nil {
		cfg.Cutover = t
	}
	if prod, ok := p.Environments[cfg.Envs.Prod]; ok {
		cfg.Files = prod.Files != ""
	}
	for _, name := range p.EnvOrder {
		for _, role := range p.Environments[name].Authenticated {
			if !slices.Contains(cfg.Authenticated, role) {
				cfg.Authenticated = append(cfg.Authenticated, role)
			}
		}
	}
	for _, s := range p.Plan {
		cfg.Overrides = append(cfg.Overrides, runbook.Override{ID: s.ID, Title: s.Title, Owner: s.Owner,
			Due: s.Due, Remove: s.Remove, After: s.After})
	}
	return cfg
}

// buildRunbook derives the runbook from the state store, dated from today.
func (s *Service) buildRunbook(ctx context.Context, st Store, p *project.Project) (*runbook.Runbook, error) {
	cfg := planBase(p)
	if cfg.Cutover.IsZero() {
		return nil, invalid("no cutover date: set cutover: YYYY-MM-DD (day J) in %s", project.ConfigFile)
	}
	cfg.Today = s.now()
	store, err := s.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	xs, err := store.List()
	if err != nil {
		return nil, fmt.Errorf("read extractions: %w", err)
	}
	for _, x := range xs {
		cfg.Extractions = append(cfg.Extractions, runbook.Extraction{Number: x.Number, Received: x.Received, Label: x.Label})
	}
	return runbook.Build(ctx, st, cfg)
}

// notifyOverdue queues step_overdue once per overdue step in the outbox
// (a fact notified:step_overdue:<id> records that it was queued) and
// drains it; what is not delivered now is retried by a later command.
// The failures are returned as warnings.
func (s *Service) notifyOverdue(ctx context.Context, st Store, p *project.Project, pl *runbook.Runbook) ([]string, error) {
	wanted := false
	for _, h := range p.Webhooks {
		wanted = wanted || h.Wants(notify.EventStepOverdue)
	}
	if !wanted {
		return nil, nil
	}
	now := s.now()
	var events []notify.Event
	var keys []string
	for _, step := range pl.Overdue() {
		key := "notified:" + notify.EventStepOverdue + ":" + step.ID
		_, _, sent, err := st.Fact(ctx, key)
		if err != nil {
			return nil, err
		}
		if sent {
			continue
		}
		events = append(events, notify.StepOverdueEvent(p.Migration, notify.Step{ID: step.ID, Title: step.Title,
			Owner: step.Owner, Due: step.Due.Format(time.DateOnly), When: step.When(), Status: string(step.Status), Note: step.Note}, now))
		keys = append(keys, key)
	}
	if len(events) == 0 {
		return nil, nil
	}
	if err := st.Enqueue(ctx, s.outboxed(ctx, st, p, events...)...); err != nil {
		return []string{"webhooks: " + err.Error()}, nil
	}
	for _, key := range keys {
		if err := st.SetFact(ctx, key, "sent", now); err != nil {
			return nil, err
		}
	}
	return s.drain(ctx, st, p), nil
}
