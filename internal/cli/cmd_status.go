package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Where the migration stands: next step, owner, what is overdue",
		Long: `status prints one screen: the migration and customer, day J and the days to
go, how many runbook steps are done, the next step and who owns it, the
overdue steps, and the latest run into each environment with its status.
Like plan, it sends overdue steps once to the webhooks that want step_overdue.`,
		Example: `  handover status
  handover status --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.status(cmd.Context()) },
	}
}

func (a *app) status(ctx context.Context) error {
	v, err := a.service().Status(ctx, svc.StatusRequest{Actor: a.actor(), Project: a.dir})
	if err != nil {
		return err
	}
	if a.json {
		err = a.printJSON(v)
	} else {
		writeStatus(a.stdout, v)
	}
	a.warn(v.Warnings)
	return err
}

func writeStatus(w io.Writer, v *svc.Status) {
	head := v.Migration
	if v.Customer != "" {
		head += " · " + v.Customer
	}
	fmt.Fprintln(w, head)
	if v.DaysToGo == nil {
		fmt.Fprintf(w, "no cutover date: set cutover: YYYY-MM-DD (day J) in %s for the runbook\n", "handover.yaml")
	} else {
		fmt.Fprintf(w, "J = %s: %s (today %s)\n", v.Cutover, daysToGo(*v.DaysToGo), v.Today)
		writeProgress(w, v)
	}
	fmt.Fprintln(w, "latest runs:")
	for _, e := range v.Envs {
		writeEnvStatus(w, e.Env, e)
	}
	if v.Check != nil {
		writeEnvStatus(w, "check", *v.Check)
	}
}

func writeProgress(w io.Writer, v *svc.Status) {
	stands := fmt.Sprintf("%d of %d steps done", v.Done, v.Total)
	if v.LastDone != nil {
		stands += fmt.Sprintf("; last: %s (%s)", v.LastDone.Title, v.LastDone.When())
	}
	fmt.Fprintf(w, "stands: %s\n", stands)
	if s := v.Next; s != nil {
		fmt.Fprintf(w, "next: %s — %s\n      owner %s · %s %s (%s)\n", s.ID, s.Title, s.Owner, s.Status, s.Due.Format(time.DateOnly), s.When())
		if s.Note != "" {
			fmt.Fprintf(w, "      %s\n", s.Note)
		}
	} else {
		fmt.Fprintln(w, "next: nothing — every step is done, the migration is solved")
	}
	if len(v.Overdue) == 0 {
		fmt.Fprintln(w, "overdue: none")
		return
	}
	fmt.Fprintln(w, "overdue:")
	for _, s := range v.Overdue {
		fmt.Fprintf(w, "  %-5s %s  %s — %s (owner %s)\n", s.When(), s.Due.Format(time.DateOnly), s.ID, s.Title, s.Owner)
	}
}

func writeEnvStatus(w io.Writer, label string, e svc.EnvStatus) {
	if e.Run == 0 {
		fmt.Fprintf(w, "  %-10s no run yet\n", label)
		return
	}
	started, _ := time.Parse(time.RFC3339, e.Started)
	fmt.Fprintf(w, "  %-10s run %d %s · extraction %d · %s · %s\n", label, e.Run, e.Kind, e.Extraction, e.Status,
		started.Local().Format("2006-01-02 15:04"))
}

func daysToGo(days int) string {
	switch {
	case days == 0:
		return "today is J"
	case days == 1:
		return "1 day to go"
	case days > 1:
		return fmt.Sprintf("%d days to go", days)
	case days == -1:
		return "1 day after J"
	}
	return fmt.Sprintf("%d days after J", -days)
}
