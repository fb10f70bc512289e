// Package runbook is the migration's runbook: the steps around cut-over day J
// with their owner role, due date and a status derived from the evidence in
// the state store (runs, sign-offs, facts such as the source freeze).
package runbook

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
)

// Evidence is what Build reads from the state store; *state.Store
// satisfies it.
type Evidence = promote.Evidence

// Status is a step's state.
type Status string

// Step statuses.
const (
	Done    Status = "done"    // its evidence exists
	Due     Status = "due"     // can be done now, due date not passed
	Overdue Status = "overdue" // can be done now, due date passed
	Blocked Status = "blocked" // a step it depends on is not done
	Skipped Status = "skipped" // optional, and a later step was done without it
)

// Config is what a runbook is built from.
type Config struct {
	Cutover     time.Time // day J (a date)
	Today       time.Time // the clock's today; only its date counts
	Envs        Envs
	Files       bool           // prod has a files store: the file transfer steps apply
	Fixups      bool           // the project has fix-up rules: the fixup step applies
	Hashes      project.Hashes // the project's current hashes; when set, imports with other recipes or format count only once prod is imported
	Extractions []Extraction
	Overrides   []Override
	// Authenticated are the roles an environment requires signed from an
	// account of the web server: for them a sign-off on the command line
	// does not complete a step either.
	Authenticated []string
}

// Extraction is one received delivery.
type Extraction struct {
	Number   int
	Received time.Time
	Label    string
}

// Runbook is the migration's steps with each one's status.
type Runbook struct {
	Cutover time.Time
	Today   time.Time
	Steps   []*Step // by due date
}

// Step is one step of the runbook.
type Step struct {
	ID       string
	Title    string
	Owner    string    // reviewer, customer, lead or team
	Offset   int       // due date in days relative to J
	Due      time.Time // Cutover + Offset days
	Optional bool
	After    []string // steps it depends on
	Status   Status
	Evidence []string // what proves it done: "run 7", "approved by Anna (customer) 2026-12-13"
	Note     string   // why it is not done yet, or a warning about its evidence
}

// When is the due date relative to J: "J-7", "J", "J+1".
func (s *Step) When() string { return Relative(s.Offset) }

// Relative renders a day offset as "J-7", "J", "J+1".
func Relative(offset int) string {
	switch {
	case offset == 0:
		return "J"
	case offset > 0:
		return fmt.Sprintf("J+%d", offset)
	}
	return fmt.Sprintf("J%d", offset)
}

// Build derives the runbook from the evidence.
func Build(ctx context.Context, ev Evidence, cfg Config) (*Runbook, error) {
	if cfg.Cutover.IsZero() {
		return nil, fmt.Errorf("build runbook: no cutover date (set cutover: YYYY-MM-DD in handover.yaml)")
	}
	defs, err := applyOverrides(defaultSteps(cfg), cfg.Overrides, cfg.Cutover)
	if err != nil {
		return nil, fmt.Errorf("build runbook: %w", err)
	}
	w, err := newWorld(ctx, ev, cfg)
	if err != nil {
		return nil, fmt.Errorf("build runbook: %w", err)
	}
	p := &Runbook{Cutover: date(cfg.Cutover), Today: date(cfg.Today)}
	for _, d := range defs {
		s := &Step{ID: d.id, Title: d.title, Owner: d.owner, Offset: d.offset, Optional: d.optional,
			After: d.after, Due: p.Cutover.AddDate(0, 0, d.offset)}
		r, err := d.eval(ctx, w)
		if err != nil {
			return nil, fmt.Errorf("build runbook: step %s: %w", d.id, err)
		}
		if r.done {
			s.Status = Done
		}
		s.Evidence, s.Note = r.evidence, r.note
		w.done[d.id] = r
		p.Steps = append(p.Steps, s)
	}
	slices.SortStableFunc(p.Steps, func(a, b *Step) int { return a.Offset - b.Offset })
	p.settle()
	return p, nil
}

// settle gives the steps their status. A step is done when its evidence
// exists and every step it depends on is done or skipped; an optional
// step is skipped when a later step was done without it. Any other step
// is overdue once its due date passed, whatever it waits for, else
// blocked while it waits, else due.
func (p *Runbook) settle() {
	for changed := true; changed; {
		changed = p.skipOptional() || p.demoteUnmet()
	}
	status := p.statuses()
	for _, s := range p.Steps {
		if s.Status != "" {
			continue
		}
		waiting := unmet(s, status)
		if len(waiting) > 0 {
			s.Note = joinNote("waiting for "+strings.Join(waiting, ", "), s.Note)
		}
		switch {
		case s.Due.Before(p.Today):
			s.Status = Overdue
		case len(waiting) > 0:
			s.Status = Blocked
		default:
			s.Status = Due
		}
	}
}

func (p *Runbook) statuses() map[string]Status {
	status := make(map[string]Status, len(p.Steps))
	for _, s := range p.Steps {
		status[s.ID] = s.Status
	}
	return status
}

// unmet lists the steps s depends on that are neither done nor skipped.
func unmet(s *Step, status map[string]Status) []string {
	var waiting []string
	for _, dep := range s.After {
		if st := status[dep]; st != Done && st != Skipped {
			waiting = append(waiting, dep)
		}
	}
	return waiting
}

// skipOptional marks optional steps a later done step did without.
func (p *Runbook) skipOptional() bool {
	changed := false
	for i, s := range p.Steps {
		if s.Status == "" && s.Optional && p.doneWithout(i) {
			s.Status, changed = Skipped, true
		}
	}
	return changed
}

// demoteUnmet takes done away from a step with evidence whose
// prerequisites are not done: its evidence stays, as a note.
func (p *Runbook) demoteUnmet() bool {
	changed := false
	status := p.statuses()
	for _, s := range p.Steps {
		if s.Status == Done && len(unmet(s, status)) > 0 {
			s.Status, changed = "", true
			status[s.ID] = ""
		}
	}
	return changed
}

// doneWithout reports whether a step after step i is done although no
// done step depends on step i.
func (p *Runbook) doneWithout(i int) bool {
	later := false
	for j, s := range p.Steps {
		if s.Status != Done {
			continue
		}
		if slices.Contains(s.After, p.Steps[i].ID) {
			return false
		}
		if j > i {
			later = true
		}
	}
	return later
}

func joinNote(a, b string) string {
	if b == "" {
		return a
	}
	return a + "; " + b
}

// Next returns the first step that is neither done nor skipped, nil when
// the migration is solved.
func (p *Runbook) Next() *Step {
	for _, s := range p.Steps {
		if s.Status != Done && s.Status != Skipped {
			return s
		}
	}
	return nil
}

// Overdue returns the overdue steps.
func (p *Runbook) Overdue() []*Step {
	var out []*Step
	for _, s := range p.Steps {
		if s.Status == Overdue {
			out = append(out, s)
		}
	}
	return out
}

// Step returns the step with id, nil when there is none.
func (p *Runbook) Step(id string) *Step {
	for _, s := range p.Steps {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// MarshalJSON writes a step with its dates as YYYY-MM-DD and "when" as J±N.
func (s *Step) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		ID       string   `json:"id"`
		Title    string   `json:"title"`
		Owner    string   `json:"owner"`
		Due      string   `json:"due"`
		When     string   `json:"when"`
		Optional bool     `json:"optional,omitempty"`
		After    []string `json:"after,omitempty"`
		Status   Status   `json:"status"`
		Evidence []string `json:"evidence,omitempty"`
		Note     string   `json:"note,omitempty"`
	}{s.ID, s.Title, s.Owner, s.Due.Format(time.DateOnly), s.When(), s.Optional, s.After, s.Status, s.Evidence, s.Note})
}

// MarshalJSON writes {"cutover", "today", "next", "steps"}.
func (p *Runbook) MarshalJSON() ([]byte, error) {
	next := ""
	if s := p.Next(); s != nil {
		next = s.ID
	}
	return json.Marshal(struct {
		Cutover string  `json:"cutover"`
		Today   string  `json:"today"`
		Next    string  `json:"next,omitempty"`
		Steps   []*Step `json:"steps"`
	}{p.Cutover.Format(time.DateOnly), p.Today.Format(time.DateOnly), next, p.Steps})
}

// date is t's calendar date as midnight UTC.
func date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
