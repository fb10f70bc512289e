package cli

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	svc "github.com/handover/handover/internal/usecase"
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
		Use:   "approve RUN --as ROLE [--by NAME]",
		Short: "Sign off a run as reviewer, customer or lead",
		Long: `approve records a sign-off on a run: who (--by, default $HANDOVER_USER, else
the OS user), in which role (--as reviewer, customer or lead), when, and an
optional note. An environment's approvals: in handover.yaml lists the roles
whose sign-off the run of the environment it requires needs before an import
may be promoted. A later reject-run by the same role cancels it; a later
approve replaces a refusal. Sign-offs are shown by "handover show RUN",
written to the audit log and sent to the webhooks.

A sign-off given here is unauthenticated: nothing proves who typed it. An
environment can require a role's sign-off authenticated
(approvals: [{role: customer, authenticated: true}]); then only a sign-off
given in the web server (handover serve) by a logged-in account counts, and
approve says so.`,
		Example: `  handover approve 3 --as reviewer --by "Rita Keller"
  handover approve 7 --as customer --by "Anna Meier" --note "checked 20 contacts in preprod"`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.signoff(cmd.Context(), args[0], s) },
	}
	if refuse {
		cmd.Use = "reject-run RUN --as ROLE [--by NAME] --note TEXT"
		cmd.Short = "Refuse a run's sign-off, with the reason"
		cmd.Long = `reject-run records that a role refuses to sign off a run, with the reason in
--note (required). It cancels an earlier sign-off by the same role: a
promotion that needs that sign-off is refused until the role approves a run.`
		cmd.Example = `  handover reject-run 7 --as customer --by "Anna Meier" --note "categories of 12 contacts are wrong"`
	}
	cmd.Flags().StringVar(&s.role, "as", "", "role: reviewer, customer or lead")
	cmd.Flags().StringVar(&s.by, "by", "", "name of who signs (default: $HANDOVER_USER, else the OS user)")
	cmd.Flags().StringVar(&s.note, "note", "", "a note (required for reject-run)")
	return cmd
}

func (a *app) signoff(ctx context.Context, arg string, s signoff) error {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return usageErr("RUN must be a run number, not %q", arg)
	}
	res, err := a.service().SignOff(ctx, svc.SignOffRequest{Actor: a.actor(), Project: a.dir, Run: n,
		Role: s.role, By: s.by, Note: s.note, Refused: s.refused})
	if err != nil {
		return err
	}
	if a.json {
		err = a.printJSON(approvalJSON(res.Approval))
	} else {
		fmt.Fprintf(a.stdout, "run %d (%s): %s\n", n, svc.Where(res.Run.Kind, res.Run.Env), svc.DescribeApproval(res.Approval))
		if res.NotCounting != "" {
			fmt.Fprintf(a.stdout, "note: run %d %s, so this sign-off does not count for a promotion\n", n, res.NotCounting)
		}
		for _, env := range res.NeedsAuthenticated {
			fmt.Fprintf(a.stdout, "note: %s requires the %s sign-off authenticated: this one, given on the command line, does not count for it; the %s signs run %d in the web server (handover serve)\n",
				env, s.role, s.role, n)
		}
	}
	a.warn(res.Warnings)
	return err
}

type jsonApproval struct {
	Run           int    `json:"run"`
	Role          string `json:"role"`
	By            string `json:"by"`
	Authenticated bool   `json:"authenticated"`
	Note          string `json:"note,omitempty"`
	At            string `json:"at"`
	Refused       bool   `json:"refused"`
}

func approvalJSON(ap svc.Approval) jsonApproval {
	return jsonApproval{ap.Run, ap.Role, ap.By, ap.Authenticated, ap.Note, ap.At.UTC().Format(time.RFC3339), ap.Refused}
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
		RunE:    func(cmd *cobra.Command, _ []string) error { return a.confirm(cmd.Context(), "", by, note) },
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

// confirm records the fact of a confirmation step ("" is the freeze).
func (a *app) confirm(ctx context.Context, step, by, note string) error {
	req := svc.ConfirmRequest{Actor: a.actor(), Project: a.dir, Step: step, By: by, Note: note}
	var res *svc.ConfirmResult
	var err error
	if step == "" {
		res, err = a.service().Freeze(ctx, req)
	} else {
		res, err = a.service().Confirm(ctx, req)
	}
	if err != nil {
		return err
	}
	a.warn(res.Warnings)
	if a.json {
		return a.printJSON(struct {
			Step    string `json:"step"`
			By      string `json:"by"`
			Note    string `json:"note,omitempty"`
			At      string `json:"at"`
			Already bool   `json:"already,omitempty"`
		}{res.Step, res.By, res.Note, res.At.UTC().Format(time.RFC3339), res.Already})
	}
	if res.Already {
		fmt.Fprintf(a.stdout, "the source was already frozen by %s on %s; nothing changed\n", res.By, res.At.UTC().Format(time.DateOnly))
		return nil
	}
	fmt.Fprintln(a.stdout, res.Detail())
	return nil
}
