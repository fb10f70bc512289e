package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/source/dbsource"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) initCommand() *cobra.Command {
	var empty bool
	cmd := &cobra.Command{
		Use:   "init DIR",
		Short: "Scaffold a project with an example format, recipes and a sample delivery",
		Long: `init writes a new project into DIR: handover.yaml, an example format, two
recipes, a lookup table and a sample delivery in sample/, ready for receive
and check. With --empty it writes the project files without the example: a
format.yaml to describe the target in, empty recipes/ and lookups/.`,
		Example: `  handover init acme
  handover -C acme receive acme/sample
  handover -C acme check
  handover init --empty customer-x`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			scaffold := project.Scaffold
			if empty {
				scaffold = project.ScaffoldEmpty
			}
			if err := scaffold(args[0]); err != nil {
				return configErr(err)
			}
			if a.json {
				return a.printJSON(map[string]string{"project": args[0]})
			}
			if empty {
				fmt.Fprintf(a.stdout, "created an empty project in %s\nnext: describe the target in %s, then handover -C %s receive DELIVERY\n",
					args[0], filepath.Join(args[0], "format.yaml"), args[0])
				return nil
			}
			fmt.Fprintf(a.stdout, "created project in %s\nnext: handover -C %s receive %s && handover -C %s check\n",
				args[0], args[0], filepath.Join(args[0], "sample"), args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&empty, "empty", false, "a project without the example format, recipes and sample")
	return cmd
}

func (a *app) peekCommand() *cobra.Command {
	var limit int
	var opts source.Options
	cmd := &cobra.Command{
		Use:   "peek FILE",
		Short: "Show a file's detected encoding, delimiter, header and first rows",
		Long: `peek shows how handover reads a delivery file: the detected encoding and
delimiter, the header, and the first rows exactly as stored (after decoding),
with warnings: a column renamed because its header is empty (column_3) or
repeated (Name_2), or a hint where the real header is when a title sits
above it. The layout flags are the recipe's source keys: try them here, then
write them into the recipe.

FILE may be a pattern (quote it): all matching files are read as one source,
in name order, with a first column source_file. A SQL dump (pg_dump plain
output, mysqldump / mariadb-dump) lists its tables, their columns and row
counts; --table shows one table's rows.`,
		Example: `  handover peek sample/kontakte.csv
  handover peek export.xlsx --sheet Kontakte --limit 5
  handover peek kontakte.csv --limit 0 --json              # every row
  handover peek export.csv --header-row 4 --footer-rows 2  # title above, totals below
  handover peek 'kontakte_*.csv'                           # several files, one source
  handover peek KUNDEN.DEL --columns id,name,ort           # no header (DB2 DEL)
  handover peek KUNDEN.TXT --widths 10,30,8 --columns id,name,plz   # fixed-width
  handover peek dump.sql                                   # the tables of a pg_dump / mysqldump file
  handover peek dump.sql --table kunden                    # one table's rows`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := source.Peek(cmd.Context(), args[0], opts, limit)
			if res == nil {
				return err
			}
			// The rows before a read error are shown, then the error.
			if a.json {
				if perr := a.printJSON(res); perr != nil {
					return perr
				}
				return err
			}
			printPeek(a.stdout, args[0], res)
			return err
		},
	}
	f := cmd.Flags()
	f.IntVar(&limit, "limit", 10, "rows to show (0: all)")
	f.StringVar(&opts.Encoding, "encoding", "", "override the detected encoding")
	f.StringVar(&opts.Delimiter, "delimiter", "", "override the detected delimiter")
	f.StringVar(&opts.Sheet, "sheet", "", "worksheet of an .xlsx file (default: the first)")
	f.IntVar(&opts.HeaderRow, "header-row", 0, "line (sheet row) of the header (default: the first)")
	f.IntVar(&opts.SkipRows, "skip-rows", 0, "lines to skip before the header (or the data)")
	f.IntVar(&opts.FooterRows, "footer-rows", 0, "rows at the end to leave out (notes, totals)")
	f.BoolVar(&opts.NoHeader, "no-header", false, "the file has no header row (columns column_1, column_2, …)")
	f.StringSliceVar(&opts.Columns, "columns", nil, "declared column names of a file without header, or of a fixed-width file")
	f.IntSliceVar(&opts.Widths, "widths", nil, "fixed-width file: the width of each column, in characters")
	f.StringVar(&opts.Table, "table", "", "a table of a SQL dump (pg_dump, mysqldump)")
	return cmd
}

func (a *app) receiveCommand() *cobra.Command {
	var label, maxSize string
	var maxRatio int64
	var databases bool
	cmd := &cobra.Command{
		Use:   "receive [PATH...] [--databases]",
		Short: "Store a delivery as the next extraction; prints its number",
		Long: `receive stores a customer's delivery — files, a directory, or .zip / .tar /
.tar.gz archives — as the next numbered extraction: immutable, with a
manifest of every file's size and sha256 (hashed while it is copied in).
Paths are relative to the current directory, not to -C. The extraction goes
to the artifact store: the project's .handover/extractions by default, or the
bucket artifacts: in handover.yaml names (s3://BUCKET/PREFIX?endpoint=…), so
that workers on other machines read the same delivery.

An archive may unpack to at most --max-ratio times its own size (at least
16 MiB) and at most --max-size; a zip member to at most 100 times its
compressed size. Larger ones are refused as possible zip bombs while they
are unpacked, and nothing is kept.

--databases (alone or with paths) also snapshots every recipe source that
names a database (source: {database: ${LEGACY_DB_URL}, query: select …} or
table: …) into the extraction: databases/<entity>.csv (UTF-8, a header, ",")
and databases/<entity>.meta.json (the query, the server version, the time).
All sources on one database are read in one consistent snapshot (REPEATABLE
READ; MySQL/MariaDB: WITH CONSISTENT SNAPSHOT). check and import then read
the snapshot, never the live database.`,
		Example: `  handover receive delivery/
  handover receive export-2026-11-20.zip --label "second extraction"
  handover receive huge-export.zip --max-size 200GiB
  LEGACY_DB_URL=postgres://reader:***@legacy/crm handover receive --databases
  handover receive attachments/ --databases --label "J-1 extraction"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 && !databases {
				return fmt.Errorf("receive needs at least one file, directory or archive, or --databases")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			limits := extract.Limits{MaxRatio: maxRatio}
			var err error
			if limits.MaxSize, err = extract.ParseSize(maxSize); err != nil {
				return fmt.Errorf("--max-size: %w", err)
			}
			x, err := a.service().Receive(cmd.Context(), svc.ReceiveRequest{Actor: a.actor(), Project: a.dir, Paths: args, Label: label, Limits: limits, Databases: databases})
			if err != nil {
				return err
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
			for _, m := range snapshotMetas(cmd.Context(), x) {
				fmt.Fprintf(a.stdout, "snapshot of %s: %d rows from %s (%s)\n", m.Entity, m.Rows, m.Server, m.Snapshot)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&label, "label", "", "a label for the extraction")
	cmd.Flags().StringVar(&maxSize, "max-size", "16GiB", "most bytes one archive may unpack to")
	cmd.Flags().Int64Var(&maxRatio, "max-ratio", extract.DefaultMaxRatio, "an archive may unpack to at most this many times its size")
	cmd.Flags().BoolVar(&databases, "databases", false, "also snapshot every recipe source that names a database")
	return cmd
}

// snapshotMetas reads the metadata of the database snapshots of an
// extraction (receive --databases).
func snapshotMetas(ctx context.Context, x *extract.Extraction) []dbsource.Meta {
	var out []dbsource.Meta
	for _, f := range x.Files {
		if !strings.HasPrefix(f.Path, recipe.SnapshotDir+"/") || !strings.HasSuffix(f.Path, ".meta.json") {
			continue
		}
		rc, err := x.OpenFile(ctx, f.Path)
		if err != nil {
			continue
		}
		var m dbsource.Meta
		if json.NewDecoder(io.LimitReader(rc, 1<<20)).Decode(&m) == nil {
			out = append(out, m)
		}
		rc.Close()
	}
	return out
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

// peekFormat says how a file was read: the encoding and delimiter of
// delimited text, the encoding of JSON Lines, nothing more for xlsx.
func peekFormat(r *source.PeekResult, delim string) string {
	switch {
	case r.Format == "xlsx":
		return "xlsx"
	case r.Format == "jsonl":
		return "jsonl, encoding " + r.Encoding
	case delim == "":
		return "encoding " + r.Encoding
	}
	return fmt.Sprintf("encoding %s, delimiter %q", r.Encoding, delim)
}

func printPeek(w interface{ Write([]byte) (int, error) }, name string, r *source.PeekResult) {
	delim := r.Delimiter
	if delim == "\t" {
		delim = "tab"
	}
	if r.Dump != "" {
		fmt.Fprintf(w, "%s: %s, %d tables (read one with --table NAME; in a recipe source: {file: …, table: NAME})\n", name, r.Dump, len(r.Tables))
		for _, t := range r.Tables {
			fmt.Fprintf(w, "  %-30s %8d rows  %s\n", t.Name, t.Rows, strings.Join(t.Columns, ", "))
		}
		return
	}
	fmt.Fprintf(w, "%s: %s, %d columns\n", name, peekFormat(r, delim), len(r.Columns))
	fmt.Fprintf(w, "columns: %s\n", strings.Join(r.Columns, ", "))
	for _, warning := range r.Warnings {
		fmt.Fprintf(w, "warning: %s\n", warning)
	}
	for i, row := range r.Rows {
		line := 0
		if i < len(r.Lines) {
			line = r.Lines[i]
		}
		fmt.Fprintf(w, "\nline %d\n", line)
		if len(row.Values) < len(r.Columns) {
			fmt.Fprintf(w, "  warning: the row has %d fields, the header has %d\n", len(row.Values), len(r.Columns))
		}
		for j := range max(len(r.Columns), len(row.Values)) {
			c := fmt.Sprintf("(column %d)", j+1)
			if j < len(r.Columns) {
				c = r.Columns[j]
			}
			if j < len(row.Values) {
				fmt.Fprintf(w, "  %-20s %q\n", c, row.Values[j])
			} else {
				fmt.Fprintf(w, "  %-20s (missing)\n", c)
			}
		}
		if row.Problem != "" {
			fmt.Fprintf(w, "  problem: %s\n", row.Problem)
		}
	}
}
