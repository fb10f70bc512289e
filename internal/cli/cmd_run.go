package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/protocol"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) checkCommand() *cobra.Command {
	var extraction int
	var queue bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Transform and validate an extraction without loading it",
		Long: `check reads every entity's source file, applies its recipe, validates the
result against the format and writes the run's artifacts: protocol.json,
report.html and rejects/<entity>.csv (every row that could not be imported,
with the reasons), in runs/<N>/ of the artifact store (.handover/ by default,
artifacts: in handover.yaml). Every source file is hashed while it is read: a
file that no longer matches the extraction's manifest fails the run, naming
it. Exit code 3 when the quality gate fails.`,
		Example: `  handover check
  handover check --extraction 2 --json
  handover check --queue          # a worker runs it: prints "run N queued"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := noTimeoutAlone(queue, timeout); err != nil {
				return err
			}
			return a.run(cmd.Context(), runRequest{kind: protocol.KindCheck, extraction: extraction, queue: queue, timeout: timeout})
		},
	}
	cmd.Flags().IntVar(&extraction, "extraction", 0, "extraction number (default: the newest)")
	cmd.Flags().BoolVar(&queue, "queue", false, queueHelp)
	cmd.Flags().DurationVar(&timeout, "timeout", 0, timeoutHelp)
	return cmd
}

func (a *app) importCommand() *cobra.Command {
	var req runRequest
	cmd := &cobra.Command{
		Use:   "import --env ENV",
		Short: "Transform, validate and load an extraction into an environment",
		Long: `import does what check does, then loads the valid rows into the
environment's database in one transaction: new keys are inserted, changed rows
updated in place, unchanged rows left untouched. On SQLite and PostgreSQL a
row whose raw source record is the one an earlier import stored (same
recipes, format, lookups and handover version) is not even transformed: it
counts as unchanged ("skipped" in the protocol) and its key, unique values
and references still take part in the checks. Either everything is
committed or nothing is. --dry-run does all the work and rolls back.
The database is the environment's database: in handover.yaml, sqlite://PATH,
postgres://user:pass@host/db or mysql://user:pass@host:3306/db (mariadb://…).
MySQL commits CREATE TABLE on its own: tables a failed import created are
dropped again (after a killed import, by the next import or diff).

Promotion is enforced: an import into an environment with requires: is
refused (exit 2, saying what is missing) unless each required environment
holds a successful import of the same recipes and format, signed off by the
roles listed in approvals:; an extraction after the first also needs the
source frozen (handover freeze). --force --reason TEXT overrides a refusal;
the reason goes into the audit log and the protocol's "forced" field.

The gate is decided before the commit: an import whose gate fails is rolled
back (exit 3, status gate_failed, the environment as it was) unless the
environment sets on_gate_failure: commit. The run records itself in the
environment's bookkeeping in the same transaction, so a process killed
after the commit is still recorded as succeeded. While another import holds
the environment, import waits up to --lock-timeout, saying who holds it.`,
		Example: `  handover import --env dev
  handover import --env dev --extraction 2 --dry-run
  handover import --env preprod --json
  handover import --env prod --force --reason "customer approved by phone, ticket 4711"
  handover import --env dev --queue && handover wait 7   # run 7 executed by a worker
  handover import --env preprod --lock-timeout 5m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			switch {
			case req.env == "":
				return usageErr("import needs --env ENV")
			case req.force && strings.TrimSpace(req.reason) == "":
				return usageErr("--force needs --reason TEXT: why the promotion rules are overridden (written to the audit log)")
			case !req.force && req.reason != "":
				return usageErr("--reason goes with --force")
			}
			if err := noTimeoutAlone(req.queue, req.timeout); err != nil {
				return err
			}
			req.kind = protocol.KindImport
			return a.run(cmd.Context(), req)
		},
	}
	cmd.Flags().StringVar(&req.env, "env", "", "environment to load into")
	cmd.Flags().IntVar(&req.extraction, "extraction", 0, "extraction number (default: the newest the customer submitted in the portal, else the newest)")
	cmd.Flags().BoolVar(&req.dryRun, "dry-run", false, "do everything but commit")
	cmd.Flags().BoolVar(&req.force, "force", false, "import although the promotion rules are not met (needs --reason)")
	cmd.Flags().StringVar(&req.reason, "reason", "", "why --force overrides the promotion rules")
	cmd.Flags().BoolVar(&req.queue, "queue", false, queueHelp)
	cmd.Flags().DurationVar(&req.timeout, "timeout", 0, timeoutHelp)
	lockFlag(cmd, &req.lockWait)
	return cmd
}

type runRequest struct {
	kind       string
	env        string
	extraction int
	dryRun     bool
	force      bool
	reason     string
	queue      bool          // queue it for a worker instead of running it here
	timeout    time.Duration // queued: the run's time limit on the worker
	lockWait   time.Duration
}

// queuedLockWait is --lock-timeout for a queued run: 0 means "do not
// wait" on the command line, and a negative timeout in the queue.
func queuedLockWait(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

const queueHelp = "queue the run for a worker (handover worker), print its number and return; handover wait N waits for it"

// run executes a check, an import or a diff through the application
// layer and renders its outcome.
func (a *app) run(ctx context.Context, req runRequest) error {
	if req.queue {
		return a.enqueue(ctx, svc.QueueRequest{Kind: req.kind, Env: req.env, Extraction: req.extraction,
			DryRun: req.dryRun, Force: req.force, Reason: req.reason, Timeout: req.timeout,
			LockTimeout: queuedLockWait(req.lockWait)})
	}
	prog := &svc.Progress{}
	stopBar := a.progressBar(prog)
	var res *svc.RunResult
	var err error
	switch req.kind {
	case protocol.KindCheck:
		res, err = a.service().Check(ctx, svc.CheckRequest{Actor: a.actor(), Project: a.dir, Extraction: req.extraction, Progress: prog})
	case protocol.KindDiff:
		res, err = a.service().Diff(ctx, svc.DiffRequest{Actor: a.actor(), Project: a.dir, Env: req.env, Extraction: req.extraction,
			Progress: prog, Lock: a.lockWait(req.env, req.lockWait)})
	default:
		res, err = a.service().Import(ctx, svc.ImportRequest{Actor: a.actor(), Project: a.dir, Env: req.env,
			Extraction: req.extraction, DryRun: req.dryRun, Force: req.force, Reason: req.reason, Progress: prog,
			Lock: a.lockWait(req.env, req.lockWait)})
	}
	stopBar()
	return a.finishRun(res, err)
}

// lockWait waits up to d for env's lock, saying on stderr who holds it.
func (a *app) lockWait(env string, d time.Duration) svc.LockWait {
	if d == 0 {
		d = -1 // --lock-timeout 0: do not wait
	}
	return svc.LockWait{Timeout: d, OnWait: func(holder string) {
		if holder == "" {
			holder = "another import"
		}
		fmt.Fprintf(a.stderr, "waiting for environment %s: locked by %s (up to %s, --lock-timeout)\n", env, holder, d)
	}}
}

// lockFlag adds --lock-timeout.
func lockFlag(cmd *cobra.Command, d *time.Duration) {
	cmd.Flags().DurationVar(d, "lock-timeout", svc.DefaultLockTimeout, "how long to wait for another import's lock on the environment (0: do not wait)")
}

// finishRun renders a run's result: the promotion's evidence, the
// protocol, the warnings; it returns the run's error, or errGateFailed.
func (a *app) finishRun(res *svc.RunResult, err error) error {
	var ref *svc.Refusal
	if errors.As(err, &ref) && a.json {
		if perr := a.printJSON(decisionJSON(ref)); perr != nil {
			return perr
		}
	}
	if res == nil {
		return err
	}
	a.printPromotion(res.Promotion)
	if perr := a.printProtocol(res.ProjectDir, res.Protocol); perr != nil {
		return perr
	}
	a.warn(res.Warnings)
	if err != nil {
		return err
	}
	if res.GateFailed() {
		return errGateFailed
	}
	return nil
}

// printPromotion says what the promotion rules found or what was forced.
func (a *app) printPromotion(pr *svc.Promotion) {
	if pr == nil {
		return
	}
	if pr.NothingToForce {
		fmt.Fprintln(a.stderr, "note: nothing to force, the promotion rules are met")
	}
	if pr.Forced != "" {
		fmt.Fprintf(a.stderr, "warning: promotion forced (%s), written to the audit log; it overrides:\n", pr.Forced)
		for _, m := range pr.Overridden {
			fmt.Fprintf(a.stderr, "  %s\n", m)
		}
		return
	}
	if !a.json {
		for _, e := range pr.Evidence {
			fmt.Fprintf(a.stdout, "promotion: %s\n", e)
		}
	}
}

func decisionJSON(r *svc.Refusal) any {
	return struct {
		Allowed    bool     `json:"allowed"`
		Env        string   `json:"env"`
		Extraction int      `json:"extraction"`
		Missing    []string `json:"missing"`
		Evidence   []string `json:"evidence"`
		Runs       []int    `json:"runs,omitempty"`
	}{false, r.Env, r.Extraction, append([]string{}, r.Missing...), append([]string{}, r.Evidence...), r.Runs}
}

// warn prints warnings on stderr.
func (a *app) warn(ws []string) {
	for _, w := range ws {
		fmt.Fprintf(a.stderr, "warning: %s\n", w)
	}
}
