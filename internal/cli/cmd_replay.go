package cli

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/archive"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/replay"
	"github.com/handover/handover/internal/state"
)

// pastRun is a run with its archived inputs restored into a scratch
// project directory; close removes it.
type pastRun struct {
	run      *state.Run
	current  *project.Project // the project as it is now
	restored *project.Project // the project as the run had it
	manifest *archive.Manifest
	x        *extract.Extraction
	store    files.Store
	scratch  string
}

func (r *pastRun) close() { os.RemoveAll(r.scratch) }

// restoreRun reads run arg and restores its archived inputs.
func (a *app) restoreRun(cmd *cobra.Command, arg string) (*pastRun, error) {
	run, _, err := a.loadRun(cmd, arg)
	if err != nil {
		return nil, err
	}
	p, err := a.project()
	if err != nil {
		return nil, err
	}
	m, store, err := a.runManifest(cmd.Context(), p, run)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "handover-run-")
	if err != nil {
		return nil, fmt.Errorf("restore run %d: %w", run.Number, err)
	}
	pr := &pastRun{run: run, current: p, manifest: m, store: store, scratch: scratch}
	if err := os.Mkdir(pr.projectDir(), 0o755); err != nil {
		pr.close()
		return nil, fmt.Errorf("restore run %d: %w", run.Number, err)
	}
	if pr.restored, err = archive.Materialize(cmd.Context(), store, m, pr.projectDir()); err != nil {
		pr.close()
		return nil, fmt.Errorf("restore run %d: %w", run.Number, err)
	}
	if pr.x, err = a.extraction(p, run.Extraction); err != nil {
		pr.close()
		return nil, err
	}
	return pr, nil
}

func (r *pastRun) projectDir() string { return r.scratch + string(os.PathSeparator) + "project" }

// runManifest reads the manifest of a run's archived inputs.
func (a *app) runManifest(ctx context.Context, p *project.Project, run *state.Run) (*archive.Manifest, files.Store, error) {
	if run.Protocol == nil || run.Protocol.Hashes.Archive == "" {
		return nil, nil, usageErr("run %d has no archived inputs (it predates archiving, or failed before reading them)", run.Number)
	}
	store, err := a.artifactStore(p)
	if err != nil {
		return nil, nil, err
	}
	m, err := archive.Load(ctx, store, run.Protocol.Hashes.Archive)
	if err != nil {
		return nil, nil, err
	}
	return m, store, nil
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
are not available to a replay and show as differences.`,
		Example: `  handover replay 4
  handover replay 4 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pr, err := a.restoreRun(cmd, args[0])
			if err != nil {
				return err
			}
			defer pr.close()
			if pr.run.Protocol.Artifacts == "" && pr.run.Artifacts == "" {
				return usageErr("run %d has no artifacts to compare with", pr.run.Number)
			}
			scratch := pr.scratch + string(os.PathSeparator) + "artifacts"
			res, err := replay.Replay(cmd.Context(), replay.Request{
				Run: pr.run.Protocol, Artifacts: pr.run.Artifacts, Project: pr.restored, Extraction: pr.x,
				Scratch: scratch, Workers: workers, Version: Version,
			})
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
				return &exitError{code: exitFailed, err: fmt.Errorf("replay of run %d differs", pr.run.Number)}
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
			ra, _, err := a.loadRun(cmd, args[0])
			if err != nil {
				return err
			}
			rb, _, err := a.loadRun(cmd, args[1])
			if err != nil {
				return err
			}
			if ra.Protocol == nil || rb.Protocol == nil {
				return usageErr("runs %d and %d need protocols to compare", ra.Number, rb.Number)
			}
			p, err := a.project()
			if err != nil {
				return err
			}
			ma, _, _ := a.runManifest(cmd.Context(), p, ra) // nil without an archive: hashes are compared
			mb, _, _ := a.runManifest(cmd.Context(), p, rb)
			d := replay.DiffRuns(ra.Protocol, rb.Protocol, ma, mb)
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
	run, _, err := a.loadRun(cmd, arg)
	if err != nil {
		return err
	}
	p, err := a.project()
	if err != nil {
		return err
	}
	m, store, err := a.runManifest(cmd.Context(), p, run)
	if err != nil {
		return err
	}
	type file struct {
		Entity  string `json:"entity"`
		Name    string `json:"name"`
		SHA256  string `json:"sha256"`
		Content string `json:"content"`
	}
	out := struct {
		Run     int    `json:"run"`
		Archive string `json:"archive"`
		Recipes []file `json:"recipes"`
	}{Run: run.Number, Archive: run.Protocol.Hashes.Archive, Recipes: []file{}}
	for _, e := range m.Entities() {
		b := m.Recipes[e]
		data, err := archive.Read(cmd.Context(), store, b.SHA256)
		if err != nil {
			return err
		}
		out.Recipes = append(out.Recipes, file{Entity: e, Name: b.Name, SHA256: b.SHA256, Content: string(data)})
	}
	if a.json {
		return a.printJSON(out)
	}
	for i, f := range out.Recipes {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "# %s (run %d, %s)\n%s", f.Name, run.Number, f.SHA256, f.Content)
		if n := len(f.Content); n > 0 && f.Content[n-1] != '\n' {
			fmt.Fprintln(a.stdout)
		}
	}
	return nil
}
