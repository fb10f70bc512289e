package cli

import (
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) runsCommand() *cobra.Command {
	var env string
	cmd := &cobra.Command{
		Use:     "runs",
		Short:   "List runs",
		Example: "  handover runs\n  handover runs --env dev --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			runs, err := a.service().Runs(cmd.Context(), svc.RunsRequest{Actor: a.actor(), Project: a.dir, Env: env})
			if err != nil {
				return err
			}
			if a.json {
				type jrun struct {
					Run         int    `json:"run"`
					Kind        string `json:"kind"`
					Env         string `json:"env"`
					Extraction  int    `json:"extraction"`
					Status      string `json:"status"`
					Started     string `json:"started"`
					Transaction string `json:"transaction,omitempty"`
					DryRun      bool   `json:"dry_run,omitempty"`
					Host        string `json:"host,omitempty"` // running: where
				}
				out := struct {
					Runs []jrun `json:"runs"`
				}{Runs: []jrun{}}
				for _, r := range runs {
					out.Runs = append(out.Runs, jrun{r.Number, r.Kind, r.Env, r.Extraction, r.Status,
						r.Started.UTC().Format("2006-01-02T15:04:05Z"), transaction(r), dryRun(r), runningOn(r)})
				}
				return a.printJSON(out)
			}
			printRuns(a.stdout, runs)
			return nil
		},
	}
	cmd.Flags().StringVar(&env, "env", "", "only runs into this environment")
	return cmd
}

// transaction is what became of a run's environment transaction, "" when
// it had none.
func transaction(r *svc.Run) string {
	if r.Protocol == nil {
		return ""
	}
	return r.Protocol.Transaction
}

// dryRun reports whether r was a dry run (import, files sync): it changed
// nothing, whatever its status says.
func dryRun(r *svc.Run) bool { return r.Protocol != nil && r.Protocol.DryRun }

// runStatus is a run's status as runs shows it: a dry run says so, and a
// gate_failed import says whether its rows were committed or rolled back.
func runStatus(r *svc.Run) string {
	if h := runningOn(r); h != "" {
		return r.Status + " on " + h
	}
	if dryRun(r) {
		return r.Status + " (dry run)"
	}
	if r.Status == protocol.StatusGateFailed && transaction(r) != "" {
		return r.Status + " (" + strings.ReplaceAll(transaction(r), "_", " ") + ")"
	}
	return r.Status
}

// runningOn is the host of a running run, "" for any other.
func runningOn(r *svc.Run) string {
	if r.Status != protocol.StatusRunning {
		return ""
	}
	return r.Host
}

func printRuns(w io.Writer, runs []*svc.Run) {
	if len(runs) == 0 {
		fmt.Fprintln(w, "no runs yet: run `handover check`")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RUN\tKIND\tENV\tEXTRACTION\tSTATUS\tSTARTED\tREAD\tREJECTED")
	for _, r := range runs {
		var read, rej int64
		if r.Protocol != nil {
			for _, e := range r.Protocol.Entities {
				read += e.Read
				rej += e.Rejected
			}
		}
		env := r.Env
		if env == "" {
			env = "-"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%s\t%s\t%d\t%d\n", r.Number, r.Kind, env, r.Extraction, runStatus(r),
			r.Started.Local().Format("2006-01-02 15:04"), read, rej)
	}
	tw.Flush()
}

func (a *app) showCommand() *cobra.Command {
	var recipes bool
	cmd := &cobra.Command{
		Use:   "show RUN [--recipes]",
		Short: "Show a run's protocol and its sign-offs",
		Long: `show prints a run's protocol: counts per entity, rejects by rule, the gate's
checks, and the sign-offs and refusals given on the run (handover approve,
handover reject-run). --json prints the protocol with an "approvals" list.
--recipes prints the recipes the run used, from its archive, exactly as they
were (also after they changed).`,
		Example: "  handover show 3\n  handover show 3 --json\n  handover show 3 --recipes",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if recipes {
				return a.showRecipes(cmd, args[0])
			}
			res, err := a.show(cmd, args[0])
			if err != nil {
				return err
			}
			r, approvals := res.Run, res.Approvals
			if r.Protocol == nil {
				r.Protocol = &protocol.Protocol{Run: r.Number, Kind: r.Kind, Env: r.Env,
					Extraction: r.Extraction, Status: r.Status, Started: r.Started, Finished: r.Finished}
			}
			if a.json {
				out := struct {
					*protocol.Protocol
					Approvals []jsonApproval `json:"approvals"`
				}{r.Protocol, []jsonApproval{}}
				for _, ap := range approvals {
					out.Approvals = append(out.Approvals, approvalJSON(ap))
				}
				return a.printJSON(out)
			}
			writeSummary(a.stdout, r.Protocol, relTo(res.ProjectDir, r.Artifacts), true)
			if r.Protocol.Forced != "" {
				fmt.Fprintf(a.stdout, "forced promotion: %s\n", r.Protocol.Forced)
			}
			for _, ap := range approvals {
				fmt.Fprintf(a.stdout, "sign-off: %s\n", svc.DescribeApproval(ap))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&recipes, "recipes", false, "print the recipes the run archived")
	return cmd
}

// show reads run RUN with its sign-offs.
func (a *app) show(cmd *cobra.Command, arg string) (*svc.ShowResult, error) {
	n, err := strconv.Atoi(arg)
	if err != nil || n <= 0 {
		return nil, usageErr("RUN must be a run number, not %q", arg)
	}
	return a.service().Show(cmd.Context(), svc.ShowRequest{Actor: a.actor(), Project: a.dir, Run: n})
}

func (a *app) rejectsCommand() *cobra.Command {
	var formatName, out, entity string
	cmd := &cobra.Command{
		Use:   "rejects RUN",
		Short: "Export the rows a run could not import, with the reasons",
		Long: `rejects exports the rows of a run that could not be imported: the original
columns, the line and the reasons. --format xlsx writes a workbook a customer
opens to fix the rows, with the bad cells highlighted. With several entities,
-o FILE.xlsx is one workbook with a sheet per entity; any other -o names a
directory that receives one file per entity. The rejects are read from the
artifact store, whichever machine ran the run.`,
		Example: `  handover rejects 3 --entity contacts          # CSV on stdout
  handover rejects 3 --format xlsx -o rejects.xlsx`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := a.show(cmd, args[0])
			if err != nil {
				return err
			}
			r := res.Run
			if r.Protocol == nil || r.Artifacts == "" {
				return fmt.Errorf("run %d has no rejects recorded (status %s)", r.Number, r.Status)
			}
			open := func(name string) (io.ReadCloser, error) {
				return a.service().OpenArtifact(cmd.Context(), svc.ArtifactRequest{Actor: a.actor(), Project: a.dir, Run: r.Number, Name: name})
			}
			return a.exportRejects(r, open, formatName, out, entity)
		},
	}
	cmd.Flags().StringVar(&formatName, "format", "csv", "csv or xlsx")
	cmd.Flags().StringVarP(&out, "output", "o", "", "output file (default: stdout for csv)")
	cmd.Flags().StringVar(&entity, "entity", "", "only this entity (csv on stdout needs one when there are several)")
	return cmd
}

// artifactOpener opens a file of a run's artifacts (from the artifact
// store) by its path in them, e.g. rejects/contacts.csv.
type artifactOpener func(name string) (io.ReadCloser, error)

func (a *app) exportRejects(r *svc.Run, open artifactOpener, formatName, out, entity string) error {
	var entities []*protocol.Entity
	for _, e := range r.Protocol.Entities {
		if (entity == "" || e.Name == entity) && e.Rejects != "" {
			entities = append(entities, e)
		}
	}
	if len(entities) == 0 {
		return usageErr("run %d has no rejects file for %q", r.Number, entity)
	}
	switch formatName {
	case "csv":
		if out == "" && len(entities) > 1 {
			names := make([]string, len(entities))
			for i, e := range entities {
				names[i] = e.Name
			}
			return usageErr("run %d has rejects for %s: choose one with --entity, or write files with -o DIR", r.Number, strings.Join(names, ", "))
		}
		return a.copyRejects(open, entities, out)
	case "xlsx":
		if out == "" {
			return usageErr("--format xlsx needs -o FILE.xlsx")
		}
		return writeRejectsWorkbook(open, entities, out)
	default:
		return usageErr("--format must be csv or xlsx, not %q", formatName)
	}
}

func (a *app) copyRejects(open artifactOpener, entities []*protocol.Entity, out string) error {
	for _, e := range entities {
		src, err := open(e.Rejects)
		if err != nil {
			return fmt.Errorf("read rejects of %s: %w", e.Name, err)
		}
		w := a.stdout
		var f *os.File
		if out != "" {
			path := out
			if len(entities) > 1 {
				if err := os.MkdirAll(out, 0o755); err != nil {
					src.Close()
					return fmt.Errorf("create %s: %w", out, err)
				}
				path = filepath.Join(out, e.Name+".csv")
			}
			if f, err = os.Create(path); err != nil {
				src.Close()
				return fmt.Errorf("write rejects: %w", err)
			}
			w = f
		}
		_, err = io.Copy(w, src)
		src.Close()
		if f != nil {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
		if err != nil {
			return fmt.Errorf("write rejects of %s: %w", e.Name, err)
		}
	}
	return nil
}

// writeRejectsWorkbook writes the rejects as a workbook with the bad cells
// highlighted: a FILE.xlsx gets a sheet per entity; any other -o names a
// directory that receives one workbook per entity.
func writeRejectsWorkbook(open artifactOpener, entities []*protocol.Entity, out string) error {
	if len(entities) == 1 || strings.EqualFold(filepath.Ext(out), ".xlsx") {
		var sheets []report.RejectsSheet
		for _, e := range entities {
			s, err := rejectsSheet(open, e.Rejects, e.Name)
			if err != nil {
				return fmt.Errorf("read rejects of %s: %w", e.Name, err)
			}
			sheets = append(sheets, s)
		}
		return writeWorkbookFile(out, sheets)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", out, err)
	}
	for _, e := range entities {
		s, err := rejectsSheet(open, e.Rejects, e.Name)
		if err != nil {
			return fmt.Errorf("read rejects of %s: %w", e.Name, err)
		}
		if err := writeWorkbookFile(filepath.Join(out, e.Name+".xlsx"), []report.RejectsSheet{s}); err != nil {
			return err
		}
	}
	return nil
}

func writeWorkbookFile(path string, sheets []report.RejectsSheet) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write rejects: %w", err)
	}
	if err := report.WriteRejectsWorkbook(f, sheets); err != nil {
		f.Close()
		return fmt.Errorf("write rejects %s: %w", path, err)
	}
	return f.Close()
}

// rejectsSheet reads an entity's rejects and the cells to highlight.
func rejectsSheet(open artifactOpener, csvName, entity string) (report.RejectsSheet, error) {
	src, err := open(csvName)
	if err != nil {
		return report.RejectsSheet{}, err
	}
	defer src.Close()
	columns, rows, err := report.ReadRejects(src)
	if err != nil {
		return report.RejectsSheet{}, err
	}
	cellsName := path.Join(path.Dir(csvName), path.Base(report.CellsPath(entity)))
	if cells, err := open(cellsName); err == nil {
		err = report.ReadRejectCells(cells, rows)
		cells.Close()
		if err != nil {
			return report.RejectsSheet{}, err
		}
	}
	return report.RejectsSheet{Entity: entity, Columns: columns, Rows: rows}, nil
}
