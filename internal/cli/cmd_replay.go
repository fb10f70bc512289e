package cli

import (
	"fmt"
	"runtime"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/replay"
	svc "github.com/handover/handover/internal/usecase"
)

// runNumber parses a RUN argument.
func runNumber(arg string) (int, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return 0, usageErr("RUN must be a run number, not %q", arg)
	}
	return n, nil
}

func (a *app) replayCommand() *cobra.Command {
	var workers int
	cmd := &cobra.Command{
		Use:   "replay RUN",
		Short: "Re-execute a past run from its archived inputs; identical or not",
		Long: `replay re-executes a past check or import as a dry run, without a target,
from the recipes, format, lookups and gate the run archived and the
extraction it read, and compares per entity the sha256 of the valid rows and
of the rejects file with those in the run's protocol (outputs:). It prints
"identical" (exit 0) or the first entity and source line that differ (exit 1).

Changing the project since the run does not matter: the archived inputs are
used. References an import resolved against rows already in the environment
are not available to a replay and show as differences.

A replay keeps to --memory (or HANDOVER_MEMORY, default 256MiB) as the
check it re-executes did: past parts of it, its key indexes spill to disk.`,
		Example: `  handover replay 4
  handover replay 4 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := runNumber(args[0])
			if err != nil {
				return err
			}
			res, err := a.service().Replay(cmd.Context(), svc.ReplayRequest{Actor: a.actor(), Project: a.dir, Run: n, Workers: workers})
			if err != nil {
				return err
			}
			if a.json {
				if err := a.printJSON(res); err != nil {
					return err
				}
			} else if res.Identical {
				fmt.Fprintln(a.stdout, "identical")
			} else {
				f := res.First
				fmt.Fprintf(a.stdout, "different: %s, %s", f.Entity, f.Output)
				if f.Line > 0 {
					fmt.Fprintf(a.stdout, ", line %d", f.Line)
				}
				fmt.Fprintf(a.stdout, ": %s\n", f.Detail)
			}
			if !res.Identical {
				return &exitError{code: exitFailed, err: fmt.Errorf("replay of run %d differs", n)}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&workers, "workers", runtime.GOMAXPROCS(0), "transform workers (the outputs do not depend on it)")
	return cmd
}

func (a *app) diffRunsCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "diff-runs A B",
		Short: "What changed between two runs' inputs, and their counts",
		Long: `diff-runs compares two runs: the archived recipes, fixture tests, format,
lookup tables and gate (file by file, by sha256), the extraction and its
files, and the counts per entity side by side.`,
		Example: `  handover diff-runs 3 5
  handover diff-runs 3 5 --json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			na, err := runNumber(args[0])
			if err != nil {
				return err
			}
			nb, err := runNumber(args[1])
			if err != nil {
				return err
			}
			d, err := a.service().DiffRuns(cmd.Context(), svc.DiffRunsRequest{Actor: a.actor(), Project: a.dir, A: na, B: nb})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(d)
			}
			printRunDiff(a, d)
			return nil
		},
	}
}

func printRunDiff(a *app, d *replay.RunDiff) {
	if len(d.Changes) == 0 {
		fmt.Fprintf(a.stdout, "inputs of runs %d and %d: identical\n", d.A, d.B)
	} else {
		fmt.Fprintf(a.stdout, "inputs changed from run %d to run %d:\n", d.A, d.B)
		tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
		for _, c := range d.Changes {
			what := "changed"
			switch {
			case c.From == "":
				what = "added"
			case c.To == "":
				what = "removed"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%s → %s\n", c.What, c.Name, what, short(c.From), short(c.To))
		}
		tw.Flush()
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "ENTITY\tREAD\tFILTERED\tREJECTED\tVALID\tOUTPUT\n")
	for _, e := range d.Entities {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", e.Name, pair(e.A, e.B, func(c *replay.Counts) int64 { return c.Read }),
			pair(e.A, e.B, func(c *replay.Counts) int64 { return c.Filtered }),
			pair(e.A, e.B, func(c *replay.Counts) int64 { return c.Rejected }),
			pair(e.A, e.B, func(c *replay.Counts) int64 { return c.Valid }), sameOutput(e.A, e.B))
	}
	tw.Flush()
}

func pair(a, b *replay.Counts, f func(*replay.Counts) int64) string {
	show := func(c *replay.Counts) string {
		if c == nil {
			return "-"
		}
		return fmt.Sprint(f(c))
	}
	if a != nil && b != nil && f(a) == f(b) {
		return show(a)
	}
	return show(a) + " → " + show(b)
}

func sameOutput(a, b *replay.Counts) string {
	switch {
	case a == nil || b == nil || a.Output == "" || b.Output == "":
		return "?"
	case a.Output == b.Output:
		return "same"
	}
	return "differs"
}

// short abbreviates a sha256:… hash for tables.
func short(h string) string {
	if h == "" {
		return "-"
	}
	if len(h) > 19 {
		return h[:19] + "…"
	}
	return h
}

// showRecipes prints the recipes a run archived.
func (a *app) showRecipes(cmd *cobra.Command, arg string) error {
	n, err := runNumber(arg)
	if err != nil {
		return err
	}
	out, err := a.service().RunRecipes(cmd.Context(), svc.RunRecipesRequest{Actor: a.actor(), Project: a.dir, Run: n})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(out)
	}
	for i, f := range out.Recipes {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "# %s (run %d, %s)\n%s", f.Name, out.Run, f.SHA256, f.Content)
		if n := len(f.Content); n > 0 && f.Content[n-1] != '\n' {
			fmt.Fprintln(a.stdout)
		}
	}
	return nil
}
