// Package sheet holds the runbook's data types as the front ends see
// them: the steps with their status, their JSON and iCalendar forms.
// internal/runbook builds them from the state store and aliases them.
package sheet

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// StepFreeze is the step that records the source frozen (read-only).
const StepFreeze = "freeze"

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

// Settle gives the steps their status. A step is done when its evidence
// exists and every step it depends on is done or skipped; an optional
// step is skipped when a later step was done without it. Any other step
// is overdue once its due date passed, whatever it waits for, else
// blocked while it waits, else due.
func (p *Runbook) Settle() {
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
