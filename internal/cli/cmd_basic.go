package cli

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/source"
)

func (a *app) initCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a project with an example format, recipes and a sample delivery",
		Example: `  handover init acme
  handover -C acme receive acme/sample
  handover -C acme check`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := project.Scaffold(args[0]); err != nil {
				return configErr(fmt.Errorf("init %s: %w", args[0], err))
			}
			if a.json {
				return a.printJSON(map[string]string{"project": args[0]})
			}
			fmt.Fprintf(a.stdout, "created project in %s\nnext: handover -C %s receive %s && handover -C %s check\n",
				args[0], args[0], filepath.Join(args[0], "sample"), args[0])
			return nil
		},
	}
}

func (a *app) peekCommand() *cobra.Command {
	var limit int
	var opts source.Options
	cmd := &cobra.Command{
		Use:   "peek FILE",
		Short: "Show a file's detected encoding, delimiter, header and first rows",
		Long: `peek shows how handover reads a delivery file: the detected encoding and
delimiter, the header, and the first rows exactly as stored (after decoding).`,
		Example: `  handover peek sample/kontakte.csv
  handover peek export.xlsx --sheet Kontakte --limit 5
  handover peek kontakte.csv --limit 0 --json   # every row`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := source.Peek(cmd.Context(), args[0], opts, limit)
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(res)
			}
			printPeek(a.stdout, args[0], res)
			return nil
		},
	}
	cmd.Flags().IntVar(&limit, "limit", 10, "rows to show (0: all)")
	cmd.Flags().StringVar(&opts.Encoding, "encoding", "", "override the detected encoding")
	cmd.Flags().StringVar(&opts.Delimiter, "delimiter", "", "override the detected delimiter")
	cmd.Flags().StringVar(&opts.Sheet, "sheet", "", "worksheet of an .xlsx file (default: the first)")
	return cmd
}

func (a *app) receiveCommand() *cobra.Command {
	var label string
	cmd := &cobra.Command{
		Use:   "receive PATH...",
		Short: "Store a delivery as the next extraction; prints its number",
		Long: `receive stores a customer's delivery — files, a directory, or .zip / .tar /
.tar.gz archives — as the next numbered extraction: immutable, with a
manifest of every file's size and sha256. Paths are relative to the current
directory, not to -C.`,
		Example: `  handover receive delivery/
  handover receive export-2026-11-20.zip --label "second extraction"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := a.project()
			if err != nil {
				return err
			}
			store := extract.NewStore(filepath.Join(handoverDir(p), "extractions"))
			x, err := store.Receive(cmd.Context(), args, label, a.now())
			if err != nil {
				return fmt.Errorf("receive: %w", err)
			}
			if a.json {
				return a.printJSON(x.Manifest)
			}
			var size int64
			for _, f := range x.Files {
				size += f.Size
			}
			fmt.Fprintf(a.stdout, "extraction %d: %d files, %s\n", x.Number, len(x.Files), humanBytes(size))
			for _, f := range x.Files {
				fmt.Fprintf(a.stdout, "  %-40s %10s  sha256:%s\n", f.Path, humanBytes(f.Size), f.SHA256[:12])
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&label, "label", "", "a label for the extraction")
	return cmd
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func printPeek(w interface{ Write([]byte) (int, error) }, name string, r *source.PeekResult) {
	delim := r.Delimiter
	switch delim {
	case "\t":
		delim = "tab"
	case "":
		delim = "-"
	}
	fmt.Fprintf(w, "%s: encoding %s, delimiter %q, %d columns\n", name, r.Encoding, delim, len(r.Columns))
	fmt.Fprintf(w, "columns: %s\n", strings.Join(r.Columns, ", "))
	for i, row := range r.Rows {
		line := 0
		if i < len(r.Lines) {
			line = r.Lines[i]
		}
		fmt.Fprintf(w, "\nline %d\n", line)
		for j, c := range r.Columns {
			v := ""
			if j < len(row.Values) {
				v = row.Values[j]
			}
			fmt.Fprintf(w, "  %-20s %q\n", c, v)
		}
	}
}
