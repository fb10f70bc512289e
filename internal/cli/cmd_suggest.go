package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/recipetest"
	"github.com/handover/handover/internal/suggest"
	"github.com/handover/handover/internal/value"
)

// suggestFlags are the flags of handover suggest.
type suggestFlags struct {
	o       suggest.Options
	out     string
	lookups string
	force   bool
}

func (a *app) suggestCommand() *cobra.Command {
	var fl suggestFlags
	cmd := &cobra.Command{
		Use:   "suggest FILE",
		Short: "Draft a recipe for a delivery in the customer's own format",
		Long: `suggest reads a sample of a customer's file (CSV, XLSX, JSON Lines) and drafts
the recipe that maps it to an entity of the format: each field matched to the
most likely column by name (case, accents and separators ignored; common
names in English, German, French and Italian: Vorname, Prénom, Nome, First
name → first_name) and by content (e-mail addresses, phone numbers, dates and
their layout — DD/MM vs MM/DD decided by values above 12 —, numbers and their
locale, countries, list values), with the transforms that implies.

Every suggestion is commented with its evidence and a confidence; fields
without a column and columns without a field are listed. A required field
without a column gets the expression "" and a TODO, so check runs on the
draft as it is and shows the gap.

Enum fields whose values differ from the allowed ones get a lookup table,
written with -o into the project's lookups directory (--lookups to change):
it maps every sampled value that stands for an allowed value (another case,
Herr → MR, Deutsch → DE, Presse → PRESS). Values that stand for none are left
out of the table and listed as a TODO: check rejects their rows naming the
value until someone maps them, rather than loading an empty field.

Without --entity the entity the columns fit best is taken. Without -o the
draft goes to stdout and no lookup table is written.`,
		Example: `  handover suggest delivery/kontakte.csv
  handover suggest delivery/kontakte.csv --entity contacts -o recipes/contacts.yaml
  handover suggest export.xlsx --sheet Adressen -o recipes/contacts.yaml --force
  handover suggest delivery/personnes.csv --json    # the mapping with confidences`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fp, err := a.formatProject()
			if err != nil {
				return err
			}
			if fl.o.Region != "" {
				if err := value.CheckRegion(fl.o.Region); err != nil {
					return usageErr("--phone-region: %w", err)
				}
			}
			d, err := suggest.Suggest(cmd.Context(), args[0], fp.format, fl.o)
			if err != nil {
				return err
			}
			if fl.lookups == "" {
				fl.lookups = fp.lookups
			}
			return a.writeDraft(cmd.Context(), d, fl, args[0], fp.format)
		},
	}
	f := cmd.Flags()
	f.StringVar(&fl.o.Entity, "entity", "", "the entity the file holds (default: the one it fits best)")
	f.StringVarP(&fl.out, "output", "o", "", "write the draft recipe to FILE (and its lookup tables)")
	f.StringVar(&fl.o.Source.Sheet, "sheet", "", "worksheet of an .xlsx file (default: the first)")
	f.StringVar(&fl.o.Source.Encoding, "encoding", "", "override the detected encoding")
	f.StringVar(&fl.o.Source.Delimiter, "delimiter", "", "override the detected delimiter")
	f.StringVar(&fl.o.Source.Table, "table", "", "the table of a SQL dump (pg_dump, mysqldump) to draft a recipe for")
	f.StringVar(&fl.o.File, "file", "", "the file's path inside the extraction, for source.file (default: its name)")
	f.StringVar(&fl.o.Region, "phone-region", "CH", "country whose national phone numbers the file has")
	f.IntVar(&fl.o.Sample, "sample", 1000, "rows to analyse (-1: all)")
	f.StringVar(&fl.lookups, "lookups", "", "where lookup tables go with -o (default: the project's lookups directory)")
	f.BoolVar(&fl.force, "force", false, "replace existing recipe and lookup files")
	return cmd
}

// draftOutput is what suggest --json prints.
type draftOutput struct {
	*suggest.Draft
	Recipe      string   `json:"recipe,omitempty"`
	LookupFiles []string `json:"lookup_files,omitempty"`
	TestFile    string   `json:"test_file,omitempty"`
}

// writeFirstTest writes <recipe>.test.yaml beside the draft: one case from
// the file's first row (recipetest.FirstCase). It is a help, not the
// command's job: a problem is a note on stderr, and an existing test file
// is kept unless --force.
func (a *app) writeFirstTest(ctx context.Context, d *suggest.Draft, fl suggestFlags, src string, f *format.Format) string {
	ext := filepath.Ext(fl.out)
	if !strings.EqualFold(ext, ".yaml") && !strings.EqualFold(ext, ".yml") {
		return ""
	}
	path := strings.TrimSuffix(fl.out, ext) + ".test.yaml"
	if _, err := os.Stat(path); err == nil && !fl.force {
		fmt.Fprintf(a.stderr, "handover: %s exists; not writing a first test case\n", path)
		return ""
	}
	r, err := recipe.ParseRecipe(fl.out, d.YAML())
	e := f.Entity(d.Entity)
	if err != nil || e == nil {
		return ""
	}
	lookups := recipetest.ReadLookups(fl.lookups)
	for _, l := range d.Lookups {
		t := map[string]string{}
		for _, row := range l.Rows {
			t[row.From] = row.To
		}
		lookups[l.Table] = t
	}
	data, err := recipetest.FirstCase(ctx, src, r, e, lookups)
	if err == nil {
		err = os.WriteFile(path, data, 0o644)
	}
	if err != nil {
		fmt.Fprintf(a.stderr, "handover: no first test case: %v\n", err)
		return ""
	}
	return path
}

func (a *app) writeDraft(ctx context.Context, d *suggest.Draft, fl suggestFlags, src string, f *format.Format) error {
	out := draftOutput{Draft: d}
	if fl.out == "" {
		if a.json {
			return a.printJSON(out)
		}
		_, err := a.stdout.Write(d.YAML())
		if err == nil && len(d.Lookups) > 0 {
			fmt.Fprintf(a.stderr, "handover: %d lookup tables are not written without -o\n", len(d.Lookups))
		}
		return err
	}
	files := map[string][]byte{fl.out: d.YAML()}
	order := []string{fl.out}
	for _, l := range d.Lookups {
		path := filepath.Join(fl.lookups, l.Table+".csv")
		files[path] = l.CSV()
		order = append(order, path)
	}
	for _, path := range order {
		if _, err := os.Stat(path); err == nil && !fl.force {
			return usageErr("suggest: %s exists (use --force to replace it)", path)
		}
	}
	for _, path := range order {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
		if err := os.WriteFile(path, files[path], 0o644); err != nil {
			return fmt.Errorf("suggest: %w", err)
		}
	}
	out.Recipe, out.LookupFiles = fl.out, order[1:]
	out.TestFile = a.writeFirstTest(ctx, d, fl, src, f)
	if a.json {
		return a.printJSON(out)
	}
	a.printDraftSummary(out)
	return nil
}

func (a *app) printDraftSummary(out draftOutput) {
	d := out.Draft
	matched, low, todo := 0, 0, 0
	for _, s := range d.Fields {
		if s.Column != "" {
			matched++
			if suggest.Level(s.Confidence) == "low" {
				low++
			}
		}
		if s.TODO != "" {
			todo++
		}
	}
	fmt.Fprintf(a.stdout, "wrote %s: %s, %d of %d fields matched (%d with low confidence), %d TODO\n",
		out.Recipe, d.Entity, matched, len(d.Fields), low, todo)
	for i, path := range out.LookupFiles {
		l := d.Lookups[i]
		fmt.Fprintf(a.stdout, "wrote %s: %d values mapped, %d to map\n", path, len(l.Rows), len(l.Unmapped))
	}
	if out.TestFile != "" {
		fmt.Fprintf(a.stdout, "wrote %s: a first fixture test from the file's first row (check it: handover test)\n", out.TestFile)
	}
	if len(d.Unused) > 0 {
		fmt.Fprintf(a.stdout, "unused columns: %v\n", d.Unused)
	}
}
