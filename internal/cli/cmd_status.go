package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/plan"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/state"
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

// statusView is what status shows.
type statusView struct {
	Migration string       `json:"migration"`
	Customer  string       `json:"customer,omitempty"`
	Cutover   string       `json:"cutover,omitempty"`
	Today     string       `json:"today"`
	DaysToGo  *int         `json:"days_to_cutover,omitempty"`
	Done      int          `json:"steps_done"`
	Total     int          `json:"steps_total"`
	LastDone  *plan.Step   `json:"last_done,omitempty"`
	Next      *plan.Step   `json:"next,omitempty"`
	Overdue   []*plan.Step `json:"overdue"`
	Envs      []envStatus  `json:"environments"`
	Check     *envStatus   `json:"latest_check,omitempty"`
}

// envStatus is the latest run into an environment; Run is 0 when none.
type envStatus struct {
	Env        string `json:"env,omitempty"`
	Run        int    `json:"run,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Extraction int    `json:"extraction,omitempty"`
	Status     string `json:"status,omitempty"`
	Started    string `json:"started,omitempty"`
}

func (a *app) status(ctx context.Context) error {
	p, err := a.project()
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	v := &statusView{Migration: p.Migration, Customer: p.Customer, Today: a.now().Format(time.DateOnly), Overdue: []*plan.Step{}}
	var pl *plan.Plan
	if p.Cutover != "" {
		if pl, err = a.buildPlan(ctx, st, p); err != nil {
			return err
		}
		v.fromPlan(pl)
	}
	if err := v.fromRuns(ctx, st, p); err != nil {
		return err
	}
	if a.json {
		err = a.printJSON(v)
	} else {
		writeStatus(a.stdout, v)
	}
	if err != nil || pl == nil {
		return err
	}
	return a.notifyOverdue(ctx, st, p, pl)
}

func (v *statusView) fromPlan(pl *plan.Plan) {
	days := daysTo(pl.Today, pl.Cutover)
	v.Cutover, v.DaysToGo, v.Total = pl.Cutover.Format(time.DateOnly), &days, len(pl.Steps)
	for _, s := range pl.Steps {
		if s.Status == plan.Done {
			v.Done++
			v.LastDone = s
		}
	}
	v.Next = pl.Next()
	v.Overdue = append(v.Overdue, pl.Overdue()...)
}

func (v *statusView) fromRuns(ctx context.Context, st *state.Store, p *project.Project) error {
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return fmt.Errorf("read runs: %w", err)
	}
	latest := map[string]*state.Run{}
	for _, r := range runs {
		latest[r.Env] = r // ascending: the last one wins
	}
	for _, name := range p.EnvOrder {
		e := envStatus{Env: name}
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

func runStatus(r *state.Run) envStatus {
	return envStatus{Env: r.Env, Run: r.Number, Kind: r.Kind, Extraction: r.Extraction, Status: r.Status,
		Started: r.Started.UTC().Format(time.RFC3339)}
}

func writeStatus(w io.Writer, v *statusView) {
	head := v.Migration
	if v.Customer != "" {
		head += " · " + v.Customer
	}
	fmt.Fprintln(w, head)
	if v.DaysToGo == nil {
		fmt.Fprintf(w, "no cutover date: set cutover: YYYY-MM-DD (day J) in %s for the runbook\n", project.ConfigFile)
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

func writeProgress(w io.Writer, v *statusView) {
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

func writeEnvStatus(w io.Writer, label string, e envStatus) {
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
