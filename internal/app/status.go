package app

import (
	"context"
	"fmt"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/runbook"
	"github.com/handover/handover/internal/usecase"
)

type StatusRequest = usecase.StatusRequest

type Status = usecase.Status

type EnvStatus = usecase.EnvStatus

// Status says where the migration stands and sends overdue steps once to
// the webhooks that want step_overdue.
func (s *Service) Status(ctx context.Context, req StatusRequest) (*Status, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	p := ss.p
	v := &Status{Migration: p.Migration, Customer: p.Customer, Today: s.now().Format(time.DateOnly), Overdue: []*Step{}}
	if p.Cutover != "" {
		pl, err := s.buildRunbook(ctx, ss.st, p)
		if err != nil {
			return nil, err
		}
		statusFromRunbook(v, pl)
		if v.Warnings, err = s.notifyOverdue(ctx, ss.st, p, pl); err != nil {
			return nil, err
		}
	}
	if err := statusFromRuns(ctx, v, ss.st, p); err != nil {
		return nil, err
	}
	return v, nil
}

func statusFromRunbook(v *Status, pl *runbook.Runbook) {
	days := DaysTo(pl.Today, pl.Cutover)
	v.Cutover, v.DaysToGo, v.Total = pl.Cutover.Format(time.DateOnly), &days, len(pl.Steps)
	for _, s := range pl.Steps {
		if s.Status == runbook.Done {
			v.Done++
			v.LastDone = s
		}
	}
	v.Next = pl.Next()
	v.Overdue = append(v.Overdue, pl.Overdue()...)
}

func statusFromRuns(ctx context.Context, v *Status, st Store, p *project.Project) error {
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return fmt.Errorf("read runs: %w", err)
	}
	latest := map[string]*Run{}
	for _, r := range runs {
		latest[r.Env] = r // ascending: the last one wins
	}
	for _, name := range p.EnvOrder {
		e := EnvStatus{Env: name}
		if r := latest[name]; r != nil {
			e = runStatus(r)
		}
		v.Envs = append(v.Envs, e)
	}
	if r := latest[""]; r != nil {
		c := runStatus(r)
		v.Check = &c
	}
	return nil
}

func runStatus(r *Run) EnvStatus {
	return EnvStatus{Env: r.Env, Run: r.Number, Kind: r.Kind, Extraction: r.Extraction, Status: r.Status,
		Started: r.Started.UTC().Format(time.RFC3339)}
}

// DaysTo is the number of calendar days from today to day.
func DaysTo(today, day time.Time) int { return usecase.DaysTo(today, day) }
