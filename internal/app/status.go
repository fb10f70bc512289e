package app

import (
	"context"
	"fmt"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/runbook"
)

// StatusRequest asks where the migration stands.
type StatusRequest struct {
	Actor   Actor
	Project string
}

// Status is where the migration stands: the runbook's progress and the
// latest run into each environment. It is what status --json prints.
type Status struct {
	Migration string      `json:"migration"`
	Customer  string      `json:"customer,omitempty"`
	Cutover   string      `json:"cutover,omitempty"`
	Today     string      `json:"today"`
	DaysToGo  *int        `json:"days_to_cutover,omitempty"`
	Done      int         `json:"steps_done"`
	Total     int         `json:"steps_total"`
	LastDone  *Step       `json:"last_done,omitempty"`
	Next      *Step       `json:"next,omitempty"`
	Overdue   []*Step     `json:"overdue"`
	Envs      []EnvStatus `json:"environments"`
	Check     *EnvStatus  `json:"latest_check,omitempty"`
	// Warnings are overdue steps not delivered to a webhook.
	Warnings []string `json:"-"`
}

// EnvStatus is the latest run into an environment; Run is 0 when none.
type EnvStatus struct {
	Env        string `json:"env,omitempty"`
	Run        int    `json:"run,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Extraction int    `json:"extraction,omitempty"`
	Status     string `json:"status,omitempty"`
	Started    string `json:"started,omitempty"`
}

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
		v.fromRunbook(pl)
		if v.Warnings, err = s.notifyOverdue(ctx, ss.st, p, pl); err != nil {
			return nil, err
		}
	}
	if err := v.fromRuns(ctx, ss.st, p); err != nil {
		return nil, err
	}
	return v, nil
}

func (v *Status) fromRunbook(pl *runbook.Runbook) {
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

func (v *Status) fromRuns(ctx context.Context, st Store, p *project.Project) error {
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
func DaysTo(today, day time.Time) int {
	y1, m1, d1 := today.Date()
	y2, m2, d2 := day.Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
