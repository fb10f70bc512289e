package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	svc "github.com/handover/handover/internal/usecase"
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
			res, err := a.service().Runbook(cmd.Context(), svc.RunbookRequest{Actor: a.actor(), Project: a.dir})
			if err != nil {
				return err
			}
			if ics != "" {
				if err := writeICS(ics, res); err != nil {
					return err
				}
			}
			if a.json {
				err = a.printJSON(res.Runbook)
			} else {
				writeRunbook(a.stdout, res.Migration, res.Runbook)
				if ics != "" {
					fmt.Fprintf(a.stdout, "calendar: %s (%d events)\n", ics, len(res.Runbook.Steps))
				}
			}
			a.warn(res.Warnings)
			return err
		},
	}
	cmd.Flags().StringVar(&ics, "ics", "", "also write the steps as an iCalendar file")
	return cmd
}

func writeICS(path string, res *svc.RunbookResult) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write calendar: %w", err)
	}
	if err := res.WriteICS(f); err != nil {
		f.Close()
		return fmt.Errorf("write calendar %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write calendar %s: %w", path, err)
	}
	return nil
}

func writeRunbook(w io.Writer, migration string, pl *svc.Runbook) {
	fmt.Fprintf(w, "%s runbook · J = %s · today %s (%s)\n\n", migration, pl.Cutover.Format(time.DateOnly),
		pl.Today.Format(time.DateOnly), svc.Relative(svc.DaysTo(pl.Cutover, pl.Today)))
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
