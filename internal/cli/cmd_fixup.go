package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/protocol"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) fixupCommand() *cobra.Command {
	var env string
	var dry bool
	var lock time.Duration
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
			return a.fixup(cmd.Context(), env, dry, lock)
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "environment whose rows to fix")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "do everything but commit")
	lockFlag(cmd, &lock)
	return cmd
}

// fixup runs the fix-up rules on an environment as a run of kind fixup.
func (a *app) fixup(ctx context.Context, env string, dry bool, lock time.Duration) error {
	res, err := a.service().Fixup(ctx, svc.FixupRequest{Actor: a.actor(), Project: a.dir, Env: env, DryRun: dry,
		Lock: a.lockWait(env, lock)})
	return a.finishRun(res, err)
}

// writeFixups adds the fix-up counts to a run's summary; artifacts is
// the run's directory as shown.
func writeFixups(w io.Writer, p *protocol.Protocol, artifacts string) {
	for _, f := range p.Fixups {
		fmt.Fprintf(w, "fix-up %s (%s.%s): %d matches, %d rewritten in %d rows, %d unresolved\n",
			f.Rule, f.Entity, f.Field, f.Matches, f.Rewritten, f.Rows, f.Unresolved)
	}
	for _, f := range p.Fixups {
		if f.Unresolved > 0 && artifacts != "" {
			fmt.Fprintf(w, "unresolved references: %s\n", artifactPath(artifacts, protocol.FixupRejects))
			return
		}
	}
}
