package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/plan"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/state"
)

func (a *app) planCommand() *cobra.Command {
	var ics string
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "The runbook, dated from cut-over day J, with each step's status",
		Long: `plan prints the migration's runbook: each step with its owner role, its due
date counted from cutover: (day J) and its status — done, due, overdue, blocked
(waiting for another step) or skipped (optional, and passed by) — derived from
the evidence: runs, sign-offs, the freeze and confirmations, which it names.
Steps are re-dated, re-titled, re-assigned, removed or added under plan: in
handover.yaml. --ics writes the steps as calendar events. Overdue steps are
sent once to the webhooks that want step_overdue.`,
		Example: `  handover plan
  handover plan --json
  handover plan --ics acme-runbook.ics`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, st, pl, err := a.openPlan(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			if ics != "" {
				if err := writeICS(ics, pl, p.Migration); err != nil {
					return err
				}
			}
			if a.json {
				err = a.printJSON(pl)
			} else {
				writePlan(a.stdout, p, pl)
				if ics != "" {
					fmt.Fprintf(a.stdout, "calendar: %s (%d events)\n", ics, len(pl.Steps))
				}
			}
			if err != nil {
				return err
			}
			return a.notifyOverdue(cmd.Context(), st, p, pl)
		},
	}
	cmd.Flags().StringVar(&ics, "ics", "", "also write the steps as an iCalendar file")
	return cmd
}

// openPlan loads the project, opens the state store and builds the plan;
// the caller closes the store.
func (a *app) openPlan(ctx context.Context) (*project.Project, *state.Store, *plan.Plan, error) {
	p, err := a.project()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return nil, nil, nil, err
	}
	pl, err := a.buildPlan(ctx, st, p)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return p, st, pl, nil
}

func writeICS(path string, pl *plan.Plan, migration string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	if err := plan.WriteICS(f, pl, migration); err != nil {
		f.Close()
		return fmt.Errorf("write calendar %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write calendar %s: %w", path, err)
	}
	return nil
}

func writePlan(w io.Writer, p *project.Project, pl *plan.Plan) {
	fmt.Fprintf(w, "%s runbook · J = %s · today %s (%s)\n\n", p.Migration, pl.Cutover.Format(time.DateOnly),
		pl.Today.Format(time.DateOnly), plan.Relative(daysTo(pl.Cutover, pl.Today)))
	idWidth := len("STEP")
	for _, s := range pl.Steps {
		idWidth = max(idWidth, len(s.ID))
	}
	row := func(when, due, status, owner, id, title string) string {
		return strings.TrimRight(fmt.Sprintf("%-5s  %-10s  %-8s  %-9s  %-*s  %s", when, due, status, owner, idWidth, id, title), " ")
	}
	fmt.Fprintln(w, row("WHEN", "DUE", "STATUS", "OWNER", "STEP", ""))
	indent := strings.Repeat(" ", len(row("", "", "", "", "", "x"))-1)
	for _, s := range pl.Steps {
		title := s.Title
		if s.Optional && !strings.Contains(strings.ToLower(title), "optional") {
			title += " (optional)"
		}
		fmt.Fprintln(w, row(s.When(), s.Due.Format(time.DateOnly), string(s.Status), s.Owner, s.ID, title))
		if len(s.Evidence) > 0 {
			fmt.Fprintf(w, "%s%s\n", indent, strings.Join(s.Evidence, "; "))
		}
		if s.Note != "" {
			fmt.Fprintf(w, "%s%s\n", indent, s.Note)
		}
	}
	if next := pl.Next(); next != nil {
		fmt.Fprintf(w, "\nnext: %s — %s (owner %s, %s %s)\n", next.ID, next.Title, next.Owner, next.Status, next.Due.Format(time.DateOnly))
	} else {
		fmt.Fprintln(w, "\nevery step is done: the migration is solved")
	}
}

// daysTo is the number of calendar days from today to day.
func daysTo(today, day time.Time) int {
	y1, m1, d1 := today.Date()
	y2, m2, d2 := day.Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
