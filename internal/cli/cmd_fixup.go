package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

func (a *app) fixupCommand() *cobra.Command {
	var env string
	var dry bool
	cmd := &cobra.Command{
		Use:   "fixup --env ENV",
		Short: "Re-run the reference fix-up rules on an environment's rows",
		Long: `fixup rewrites old IDs and links in the environment's text fields to the new
system's, by the fixups: rules of the recipes and handover.yaml — the same
pass every import runs after loading. It scans the current rows of each
rule's entity, resolves each captured source key to its target id and
writes only rows whose text changes, in one transaction (--dry-run rolls
back). A reference that resolves to nothing is left as it is and listed in
the run's rejects/fixups.csv. The run is recorded with kind "fixup".`,
		Example: `  handover fixup --env prod --dry-run
  handover fixup --env prod --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env == "" {
				return usageErr("fixup needs --env ENV")
			}
			return a.fixup(cmd.Context(), env, dry)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment whose rows to fix")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "do everything but commit")
	return cmd
}

// fixup runs the fix-up rules on an environment as a run of kind fixup.
func (a *app) fixup(ctx context.Context, name string, dry bool) error {
	p, err := a.project()
	if err != nil {
		return err
	}
	env, err := environment(p, name)
	if err != nil {
		return err
	}
	if len(p.Fixups) == 0 {
		return usageErr("no fix-up rules: declare them under fixups: in a recipe or in %s", filepath.Base(p.ConfigPath))
	}
	st, err := a.openState(ctx, p)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := a.auditConfig(ctx, st, p); err != nil {
		return fmt.Errorf("record configuration: %w", err)
	}
	extraction, err := lastImported(ctx, st, name)
	if err != nil {
		return err
	}
	run, err := st.BeginRun(ctx, protocol.KindFixup, name, extraction, a.now())
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	artifacts := filepath.Join(handoverDir(p), "runs", strconv.Itoa(run.Number))
	x := &extract.Extraction{}
	x.Number = extraction
	proto, runErr := a.executeFixup(ctx, env, engine.Options{
		Project: p, Extraction: x, Env: name, Run: run.Number, Artifacts: artifacts,
		DryRun: dry, Version: Version, Now: a.now,
	})
	if proto == nil {
		proto = a.failedProtocol(run, p.Hashes, runErr)
	}
	run.Status, run.Finished, run.Artifacts, run.Protocol = proto.Status, proto.Finished, artifacts, proto
	return a.finishRun(ctx, st, p, run, runErr)
}

// executeFixup runs the rules in a transaction of the environment and
// commits it, or rolls it back for a dry run or after a failure.
func (a *app) executeFixup(ctx context.Context, env *project.Environment, opts engine.Options) (*protocol.Protocol, error) {
	return a.inTransaction(ctx, env, "fix-up in", opts, engine.RunFixup)
}

// lastImported is the extraction of the newest successful import into
// env (0 when there is none): what the fix-up works on.
func lastImported(ctx context.Context, st *state.Store, env string) (int, error) {
	runs, err := st.Runs(ctx, env)
	if err != nil {
		return 0, fmt.Errorf("read runs: %w", err)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Kind == protocol.KindImport && !isDry(r) &&
			(r.Status == protocol.StatusSucceeded || r.Status == protocol.StatusGateFailed) {
			return r.Extraction, nil
		}
	}
	return 0, nil
}

func isDry(r *state.Run) bool { return r.Protocol != nil && r.Protocol.DryRun }

// writeFixups adds the fix-up counts to a run's summary; artifacts is
// the run's directory as shown.
func writeFixups(w io.Writer, p *protocol.Protocol, artifacts string) {
	for _, f := range p.Fixups {
		fmt.Fprintf(w, "fix-up %s (%s.%s): %d matches, %d rewritten in %d rows, %d unresolved\n",
			f.Rule, f.Entity, f.Field, f.Matches, f.Rewritten, f.Rows, f.Unresolved)
	}
	for _, f := range p.Fixups {
		if f.Unresolved > 0 && artifacts != "" {
			fmt.Fprintf(w, "unresolved references: %s\n", filepath.Join(artifacts, filepath.FromSlash(protocol.FixupRejects)))
			return
		}
	}
}
