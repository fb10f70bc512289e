package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/plan"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// processCommands are the commands of the migration process: sign-offs,
// the runbook, the freeze, confirmations and the audit log.
func (a *app) processCommands() []*cobra.Command {
	return []*cobra.Command{a.signoffCommand(false), a.signoffCommand(true), a.planCommand(),
		a.statusCommand(), a.freezeCommand(), a.confirmCommand(), a.auditCommand()}
}

// signoff is one approve or reject-run.
type signoff struct {
	role, by, note string
	refused        bool
}

func (a *app) signoffCommand(refuse bool) *cobra.Command {
	s := signoff{refused: refuse}
	cmd := &cobra.Command{
		Use:   "approve RUN --as ROLE --by NAME",
		Short: "Sign off a run as reviewer, customer or lead",
		Long: `approve records a sign-off on a run: who (--by), in which role (--as reviewer,
customer or lead), when, and an optional note. An environment's approvals:
in handover.yaml lists the roles whose sign-off the run of the environment it
requires needs before an import may be promoted. A later reject-run by the
same role cancels it; a later approve replaces a refusal. Sign-offs are shown
by "handover show RUN", written to the audit log and sent to the webhooks.`,
		Example: `  handover approve 3 --as reviewer --by "Rita Keller"
  handover approve 7 --as customer --by "Anna Meier" --note "checked 20 contacts in preprod"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.signoff(cmd.Context(), args[0], s) },
	}
	if refuse {
		cmd.Use = "reject-run RUN --as ROLE --by NAME --note TEXT"
		cmd.Short = "Refuse a run's sign-off, with the reason"
		cmd.Long = `reject-run records that a role refuses to sign off a run, with the reason in
--note (required). It cancels an earlier sign-off by the same role: a
promotion that needs that sign-off is refused until the role approves a run.`
		cmd.Example = `  handover reject-run 7 --as customer --by "Anna Meier" --note "categories of 12 contacts are wrong"`
	}
	cmd.Flags().StringVar(&s.role, "as", "", "role: reviewer, customer or lead")
	cmd.Flags().StringVar(&s.by, "by", "", "name of who signs")
	cmd.Flags().StringVar(&s.note, "note", "", "a note (required for reject-run)")
	return cmd
}

func (a *app) signoff(ctx context.Context, arg string, s signoff) error {
	n, err := strconv.Atoi(arg)
	switch {
	case err != nil || n <= 0:
		return usageErr("RUN must be a run number, not %q", arg)
	case !project.ValidRole(s.role):
		return usageErr("--as must be reviewer, customer or lead, not %q", s.role)
	case strings.TrimSpace(s.by) == "":
		return usageErr("--by NAME is required: who signs")
	case s.refused && strings.TrimSpace(s.note) == "":
		return usageErr("reject-run needs --note TEXT: why the run is refused")
	}
	p, err := a.project()
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	run, err := st.Run(ctx, n)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return usageErr("%w", err)
	case err != nil:
		return err
	case run.Status == protocol.StatusRunning:
		return usageErr("run %d is still running: sign it off once it has finished", n)
	}
	ap := state.Approval{Run: n, Role: s.role, By: strings.TrimSpace(s.by), Note: s.note, At: a.now(), Refused: s.refused}
	if err := st.AddApproval(ctx, ap); err != nil {
		return err
	}
	action, text := actionApprove, promote.Describe(ap)
	if s.refused {
		action = actionReject
	}
	if err := st.Audit(ctx, ap.By, action, fmt.Sprintf("run %d (%s): %s", n, where(run.Kind, run.Env), text), ap.At); err != nil {
		return err
	}
	if err := a.printSignoff(run, ap); err != nil {
		return err
	}
	a.deliver(p, notify.SignoffEvent(p.Migration, notify.Signoff{Run: n, Env: run.Env, Role: ap.Role, By: ap.By,
		Note: ap.Note, Refused: ap.Refused}, ap.At))
	return nil
}

func (a *app) printSignoff(run *state.Run, ap state.Approval) error {
	if a.json {
		return a.printJSON(approvalJSON(ap))
	}
	fmt.Fprintf(a.stdout, "run %d (%s): %s\n", run.Number, where(run.Kind, run.Env), promote.Describe(ap))
	if !ap.Refused && !promote.Passed(run) {
		fmt.Fprintf(a.stdout, "note: run %d %s, so this sign-off does not count for a promotion\n", run.Number, notCounting(run))
	}
	return nil
}

// notCounting says why a run cannot satisfy a promotion.
func notCounting(r *state.Run) string {
	switch {
	case r.Kind != protocol.KindImport:
		return "is a " + r.Kind + ", not an import"
	case r.Protocol != nil && r.Protocol.DryRun:
		return "was a dry run"
	}
	return "did not succeed (" + r.Status + ")"
}

type jsonApproval struct {
	Run     int    `json:"run"`
	Role    string `json:"role"`
	By      string `json:"by"`
	Note    string `json:"note,omitempty"`
	At      string `json:"at"`
	Refused bool   `json:"refused"`
}

func approvalJSON(ap state.Approval) jsonApproval {
	return jsonApproval{ap.Run, ap.Role, ap.By, ap.Note, ap.At.UTC().Format(time.RFC3339), ap.Refused}
}

func (a *app) freezeCommand() *cobra.Command {
	var by, note string
	cmd := &cobra.Command{
		Use:   "freeze --by NAME",
		Short: "Record that the customer set the source system read-only",
		Long: `freeze records that the source system is read-only from now on, so that a
later extraction is final. An import of an extraction after the first into
the environments of freeze: in handover.yaml (by default the last one of the
requires chain, prod) is refused unless that extraction was received after
the freeze. Freezing twice keeps the first freeze.`,
		Example: `  handover freeze --by "Anna Meier" --note "CRM set read-only at 18:00"`,
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.confirm(cmd.Context(), plan.StepFreeze, by, note) },
	}
	cmd.Flags().StringVar(&by, "by", "", "name of who froze the source")
	cmd.Flags().StringVar(&note, "note", "", "a note for the audit log")
	return cmd
}

func (a *app) confirmCommand() *cobra.Command {
	var by, note string
	cmd := &cobra.Command{
		Use:   "confirm STEP --by NAME",
		Short: "Confirm a runbook step that no run can prove, such as preprod_refreshed",
		Long: `confirm records that a runbook step was done outside handover: kickoff (the
scope of the migration is decided), preprod_refreshed (preprod was refreshed
from prod: preprod imports before it no longer count), freeze (the same as
handover freeze) and every step added in handover.yaml's plan:. The other
steps are done by evidence — runs and sign-offs — and "handover plan" says
what each needs. Confirming a step again moves its date.`,
		Example: `  handover confirm kickoff --by "Lea Brun"
  handover confirm preprod_refreshed --by "Lea Brun" --note "snapshot of prod from 2026-12-07"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.confirm(cmd.Context(), args[0], by, note) },
	}
	cmd.Flags().StringVar(&by, "by", "", "name of who confirms")
	cmd.Flags().StringVar(&note, "note", "", "a note for the audit log")
	return cmd
}

// confirm records the fact of a confirmation step, and audits it.
func (a *app) confirm(ctx context.Context, step, by, note string) error {
	by = strings.TrimSpace(by)
	if by == "" {
		return usageErr("--by NAME is required: who confirms")
	}
	p, err := a.project()
	if err != nil {
		return err
	}
	if err := confirmable(p, step); err != nil {
		return err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	prev, at, done, err := st.Fact(ctx, step)
	if err != nil {
		return err
	}
	already := step == plan.StepFreeze && done
	if !already {
		at, prev = a.now(), by
		if err := st.SetFact(ctx, step, by, at); err != nil {
			return err
		}
		if err := st.Audit(ctx, by, confirmAction(step), confirmDetail(step, by, note), at); err != nil {
			return err
		}
	}
	return a.printConfirm(step, prev, note, at, already)
}

func (a *app) printConfirm(step, by, note string, at time.Time, already bool) error {
	if a.json {
		return a.printJSON(struct {
			Step    string `json:"step"`
			By      string `json:"by"`
			Note    string `json:"note,omitempty"`
			At      string `json:"at"`
			Already bool   `json:"already,omitempty"`
		}{step, by, note, at.UTC().Format(time.RFC3339), already})
	}
	if already {
		fmt.Fprintf(a.stdout, "the source was already frozen by %s on %s; nothing changed\n", by, at.UTC().Format(time.DateOnly))
		return nil
	}
	fmt.Fprintln(a.stdout, confirmDetail(step, by, note))
	return nil
}

func confirmAction(step string) string {
	if step == plan.StepFreeze {
		return actionFreeze
	}
	return actionConfirm
}

func confirmDetail(step, by, note string) string {
	s := fmt.Sprintf("%s confirmed by %s", step, by)
	if step == plan.StepFreeze {
		s = "source frozen (read-only) by " + by
	}
	if note != "" {
		s += fmt.Sprintf(": %q", note)
	}
	return s
}

// confirmable checks that step is done by a confirmation: kickoff,
// preprod_refreshed, freeze, or a step added in handover.yaml.
func confirmable(p *project.Project, step string) error {
	byConfirmation := []string{plan.StepKickoff, plan.StepPreprodRefreshed, plan.StepFreeze}
	byEvidence := []string{plan.StepExtraction1, plan.StepDevGate, plan.StepFileInitial, plan.StepPreprodImport,
		plan.StepRejects, plan.StepCustomerValidation, plan.StepExtraction2, plan.StepProdImport,
		plan.StepFileDelta, plan.StepFixup, plan.StepSignoff}
	removed := false
	for _, s := range p.Plan {
		switch {
		case s.Remove:
			removed = removed || s.ID == step
		case !slices.Contains(byEvidence, s.ID) && !slices.Contains(byConfirmation, s.ID):
			byConfirmation = append(byConfirmation, s.ID)
		}
	}
	switch {
	case removed:
		return usageErr("step %s is removed in %s's plan:", step, project.ConfigFile)
	case slices.Contains(byEvidence, step):
		return usageErr(`step %s is done by runs and sign-offs, not by a confirmation: "handover plan" shows what it needs`, step)
	case !slices.Contains(byConfirmation, step):
		return usageErr("no step %q to confirm (steps confirmed by hand: %s)", step, strings.Join(byConfirmation, ", "))
	}
	return nil
}
