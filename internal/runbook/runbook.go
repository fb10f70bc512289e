// Package runbook is the migration's runbook: the steps around cut-over day J
// with their owner role, due date and a status derived from the evidence in
// the state store (runs, sign-offs, facts such as the source freeze).
package runbook

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/sheet"
)

// Evidence is what Build reads from the state store; *state.Store
// satisfies it.
type Evidence = promote.Evidence

// The runbook's data types, in the leaf package sheet for front ends.
type (
	// Status is a step's state.
	Status = sheet.Status
	// Runbook is the migration's steps with each one's status.
	Runbook = sheet.Runbook
	// Step is one step of the runbook.
	Step = sheet.Step
)

// Step statuses.
const (
	Done    = sheet.Done
	Due     = sheet.Due
	Overdue = sheet.Overdue
	Blocked = sheet.Blocked
	Skipped = sheet.Skipped
)

// Relative renders a day offset as "J-7", "J", "J+1".
func Relative(offset int) string { return sheet.Relative(offset) }

// WriteICS writes the runbook's steps as an iCalendar file.
func WriteICS(w io.Writer, p *Runbook, migration string) error {
	return sheet.WriteICS(w, p, migration)
}

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
	p.Settle()
	return p, nil
}

// date is t's calendar date as midnight UTC.
func date(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
