package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

func (a *app) checkCommand() *cobra.Command {
	var extraction int
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Transform and validate an extraction without loading it",
		Long: `check reads every entity's source file, applies its recipe, validates the
result against the format and writes the run's artifacts: protocol.json,
report.html and rejects/<entity>.csv (every row that could not be imported,
with the reasons). Exit code 3 when the quality gate fails.`,
		Example: `  handover check
  handover check --extraction 2 --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.run(cmd.Context(), runRequest{kind: protocol.KindCheck, extraction: extraction})
		},
	}
	cmd.Flags().IntVar(&extraction, "extraction", 0, "extraction number (default: the newest)")
	return cmd
}

func (a *app) importCommand() *cobra.Command {
	var req runRequest
	cmd := &cobra.Command{
		Use:   "import --env ENV",
		Short: "Transform, validate and load an extraction into an environment",
		Long: `import does what check does, then loads the valid rows into the
environment's database in one transaction: new keys are inserted, changed rows
updated in place, unchanged rows left untouched. Either everything is
committed or nothing is. --dry-run does all the work and rolls back.

Promotion is enforced: an import into an environment with requires: is
refused (exit 2, saying what is missing) unless each required environment
holds a successful import of the same recipes and format, signed off by the
roles listed in approvals:; an extraction after the first also needs the
source frozen (handover freeze). --force --reason TEXT overrides a refusal;
the reason goes into the audit log and the protocol's "forced" field.`,
		Example: `  handover import --env dev
  handover import --env dev --extraction 2 --dry-run
  handover import --env preprod --json
  handover import --env prod --force --reason "customer approved by phone, ticket 4711"`,
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
			req.kind = protocol.KindImport
			return a.run(cmd.Context(), req)
		},
	}
	cmd.Flags().StringVar(&req.env, "env", "", "environment to load into")
	cmd.Flags().IntVar(&req.extraction, "extraction", 0, "extraction number (default: the newest)")
	cmd.Flags().BoolVar(&req.dryRun, "dry-run", false, "do everything but commit")
	cmd.Flags().BoolVar(&req.force, "force", false, "import although the promotion rules are not met (needs --reason)")
	cmd.Flags().StringVar(&req.reason, "reason", "", "why --force overrides the promotion rules")
	return cmd
}

type runRequest struct {
	kind       string
	env        string
	extraction int
	dryRun     bool
	force      bool
	reason     string
}

// run executes a check or an import and records it in the state store
// and the audit log.
func (a *app) run(ctx context.Context, req runRequest) error {
	p, err := a.project()
	if err != nil {
		return err
	}
	var env *project.Environment
	if req.kind == protocol.KindImport || req.kind == protocol.KindDiff {
		if env, err = environment(p, req.env); err != nil {
			return err
		}
	}
	x, err := a.extraction(p, req.extraction)
	if err != nil {
		return err
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := a.auditConfig(ctx, st, p); err != nil {
		return fmt.Errorf("record configuration: %w", err)
	}
	forced := ""
	if env != nil && req.kind == protocol.KindImport {
		if forced, err = a.promote(ctx, st, p, x, req); err != nil {
			return err
		}
	}
	prev, err := previousCounts(ctx, st, x.Number)
	if err != nil {
		return err
	}
	run, err := st.BeginRun(ctx, req.kind, req.env, x.Number, a.now())
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	artifacts := filepath.Join(handoverDir(p), "runs", strconv.Itoa(run.Number))
	opts := engine.Options{
		Project: p, Extraction: x, Kind: req.kind, Env: req.env, Run: run.Number,
		Artifacts: artifacts, DryRun: req.dryRun, Version: Version, Now: a.now,
		Progress: &engine.Progress{}, Previous: prev, PreviousExtraction: a.previousExtraction(p, x.Number),
	}
	stopBar := a.progressBar(opts.Progress)
	proto, runErr := a.execute(ctx, env, opts)
	stopBar()
	if proto == nil {
		proto = a.failedProtocol(run, p.Hashes, runErr)
	}
	if err := markForced(proto, forced); err != nil && runErr == nil {
		runErr = err
	}
	run.Status, run.Finished, run.Artifacts, run.Protocol = proto.Status, proto.Finished, artifacts, proto
	return a.finishRun(ctx, st, p, run, runErr)
}

// failedProtocol is the protocol of a run that failed before the engine
// made one.
func (a *app) failedProtocol(run *state.Run, h project.Hashes, runErr error) *protocol.Protocol {
	proto := &protocol.Protocol{Run: run.Number, Kind: run.Kind, Env: run.Env, Extraction: run.Extraction,
		Status: protocol.StatusFailed, Started: run.Started, Finished: a.now().UTC(), Version: Version,
		Hashes: protocol.Hashes{Recipes: h.Recipes, Format: h.Format, Lookups: h.Lookups}}
	if runErr != nil {
		proto.Error = runErr.Error()
	}
	return proto
}

// markForced writes the reason of a forced promotion into the protocol
// and its protocol.json.
func markForced(proto *protocol.Protocol, reason string) error {
	if reason == "" {
		return nil
	}
	proto.Forced = reason
	if proto.Artifacts == "" {
		return nil
	}
	return engine.WriteProtocol(filepath.Join(proto.Artifacts, "protocol.json"), proto)
}

// finishRun records a run's end in the state store and the audit log,
// prints its protocol and tells the webhooks.
func (a *app) finishRun(ctx context.Context, st *state.Store, p *project.Project, run *state.Run, runErr error) error {
	ctx = context.WithoutCancel(ctx)
	proto := run.Protocol
	if err := st.FinishRun(ctx, run); err != nil && runErr == nil {
		runErr = fmt.Errorf("record run %d: %w", run.Number, err)
	}
	if err := st.Audit(ctx, a.actor(), actionRun, runDetail(proto), a.now()); err != nil && runErr == nil {
		runErr = err
	}
	if err := a.printProtocol(p, proto); err != nil {
		return err
	}
	a.deliver(p, notify.RunEvents(p.Migration, proto, "", a.now())...)
	if runErr != nil {
		return runErr
	}
	if proto.Status == protocol.StatusGateFailed {
		return errGateFailed
	}
	return nil
}

// execute runs the engine, inside the environment's transaction for an import.
func (a *app) execute(ctx context.Context, env *project.Environment, opts engine.Options) (*protocol.Protocol, error) {
	if env == nil {
		return engine.Run(ctx, opts)
	}
	if opts.Kind == protocol.KindDiff {
		return a.executeDiff(ctx, env, opts) // cmd_diff.go
	}
	return a.inTransaction(ctx, env, "import into", opts, engine.Run)
}

// inTransaction runs fn inside one transaction of the environment's
// database and commits it — or rolls it back after a failure or for a dry
// run — so that a run either commits completely or leaves the environment
// as it was. what names the work in errors ("import into").
func (a *app) inTransaction(ctx context.Context, env *project.Environment, what string, opts engine.Options,
	fn func(context.Context, engine.Options) (*protocol.Protocol, error)) (*protocol.Protocol, error) {
	target, err := targets.Open(ctx, env.Database, load.Options{Env: env.Name, Now: a.now})
	if err != nil {
		return nil, fmt.Errorf("open environment %s: %w", env.Name, err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, opts.Project.Format)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", what, env.Name, err)
	}
	opts.Tx = tx
	proto, runErr := fn(ctx, opts)
	if runErr != nil || opts.DryRun {
		if err := tx.Rollback(context.WithoutCancel(ctx)); err != nil && runErr == nil {
			runErr = fmt.Errorf("roll back: %w", err)
		}
		return proto, runErr
	}
	if err := tx.Commit(ctx); err != nil {
		proto.Status, proto.Error = protocol.StatusFailed, fmt.Sprintf("commit: %v", err)
		_ = engine.WriteProtocol(filepath.Join(opts.Artifacts, "protocol.json"), proto)
		return proto, fmt.Errorf("%s %s: commit: %w", what, env.Name, err)
	}
	return proto, nil
}

// previousExtraction returns the extraction before n, or nil.
func (a *app) previousExtraction(p *project.Project, n int) *extract.Extraction {
	if n <= 1 {
		return nil
	}
	x, err := extract.NewStore(filepath.Join(handoverDir(p), "extractions")).Get(n - 1)
	if err != nil {
		return nil
	}
	return x
}

// extraction returns extraction n, or the newest for 0.
func (a *app) extraction(p *project.Project, n int) (*extract.Extraction, error) {
	store := extract.NewStore(filepath.Join(handoverDir(p), "extractions"))
	if n == 0 {
		x, err := store.Latest()
		if err != nil {
			return nil, usageErr("%w", err)
		}
		return x, nil
	}
	x, err := store.Get(n)
	if err != nil {
		return nil, usageErr("%w", err)
	}
	return x, nil
}

// openState opens the state store and marks runs whose process died as interrupted.
func (a *app) openState(ctx context.Context, p *project.Project) (*state.Store, error) {
	dsn := a.state
	if dsn == "" {
		dsn = a.getenv("HANDOVER_STATE")
	}
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(handoverDir(p), "state.db")
	}
	st, err := state.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("open state store: %w", err)
	}
	if _, err := st.MarkInterrupted(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("open state store: %w", err)
	}
	return st, nil
}

// previousCounts returns the read counts per entity of the newest finished
// run on an earlier extraction, for the count-change check.
func previousCounts(ctx context.Context, st *state.Store, extraction int) (map[string]int64, error) {
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Extraction >= extraction || r.Protocol == nil || len(r.Protocol.Entities) == 0 ||
			(r.Status != protocol.StatusSucceeded && r.Status != protocol.StatusGateFailed) {
			continue
		}
		out := map[string]int64{}
		for _, e := range r.Protocol.Entities {
			out[e.Name] = e.Read
		}
		return out, nil
	}
	return nil, nil
}

// environment returns the environment a command uses; an unknown one or
// one whose ${VAR} is unset is a usage or configuration error (exit 2).
func environment(p *project.Project, name string) (*project.Environment, error) {
	env, err := p.Environment(name)
	if err != nil {
		return nil, configErr(err)
	}
	return env, nil
}

func envNames(p *project.Project) string {
	names := append([]string(nil), p.EnvOrder...)
	if len(names) == 0 {
		for n := range p.Environments {
			names = append(names, n)
		}
		sort.Strings(names)
	}
	if len(names) == 0 {
		return "none declared"
	}
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
