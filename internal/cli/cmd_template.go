package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/template"
)

// templateFlags are the flags of handover template.
type templateFlags struct {
	entities  []string
	out       string
	csvDir    string
	recipes   string
	delimiter string
	region    string
	zone      string
	force     bool
}

func (a *app) templateCommand() *cobra.Command {
	var fl templateFlags
	cmd := &cobra.Command{
		Use:   "template [-o FILE.xlsx | --csv DIR]",
		Short: "Write the customer's fill-in template: an Excel workbook or CSV files",
		Long: `template writes, from the project's format, the template the customer fills:
an Excel workbook (default template.xlsx) with an instructions sheet and a
sheet per entity — the field names as a bold, frozen header row, a yellow
header for required fields, an input message per column (type, required,
how to write it, maximum length), drop-down lists for enum and yes/no
fields, date cells as DD.MM.YYYY, text cells for codes and phone numbers so
that leading zeros survive — or, with --csv DIR, one CSV file per entity
(UTF-8 with byte-order mark, --delimiter, default ";").

--recipes DIR also writes the identity recipes that read the template as
delivered: a workbook filled in as it is passes check. Existing recipe files
are only replaced with --force. Paths are relative to the current directory.`,
		Example: `  handover template -o acme-template.xlsx --recipes recipes/ --force
  handover template --entity contacts -o contacts.xlsx --phone-region CH
  handover template --csv template/ --delimiter "," --recipes recipes/ --force
  handover receive acme-template.xlsx && handover check   # once it comes back filled in`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return a.runTemplate(fl) },
	}
	f := cmd.Flags()
	f.StringSliceVar(&fl.entities, "entity", nil, "only these entities (repeat or separate with commas)")
	f.StringVarP(&fl.out, "output", "o", "", "the workbook to write (.xlsx; default template.xlsx)")
	f.StringVar(&fl.csvDir, "csv", "", "write one CSV file per entity into DIR instead of a workbook")
	f.StringVar(&fl.recipes, "recipes", "", "also write the identity recipes into DIR")
	f.StringVar(&fl.delimiter, "delimiter", ";", `CSV delimiter: one character, or "tab"`)
	f.BoolVar(&fl.force, "force", false, "replace existing recipe files")
	addPromiseFlags(cmd, &fl.region, &fl.zone)
	return cmd
}

func (a *app) runTemplate(fl templateFlags) error {
	if fl.out != "" && fl.csvDir != "" {
		return usageErr("template: give -o FILE.xlsx or --csv DIR, not both")
	}
	if fl.csvDir == "" && fl.out == "" {
		fl.out = "template.xlsx"
	}
	if fl.out != "" && !strings.EqualFold(filepath.Ext(fl.out), ".xlsx") {
		return usageErr("template: -o %s: the workbook must end in .xlsx (for CSV files use --csv DIR)", fl.out)
	}
	delim, err := parseDelimiter(fl.delimiter)
	if err != nil {
		return err
	}
	fp, err := a.formatProject()
	if err != nil {
		return err
	}
	dopts, err := docOptions(fp, fl.region, fl.zone)
	if err != nil {
		return err
	}
	entities, err := template.Select(fp.format, fl.entities)
	if err != nil {
		return usageErr("template: %w", err)
	}
	o := template.Options{Docs: dopts, Delimiter: delim}
	res := templateResult{}
	for _, e := range entities {
		res.Entities = append(res.Entities, e.Name)
	}
	source, err := a.writeTemplate(fl, entities, o, &res)
	if err != nil {
		return err
	}
	if fl.recipes != "" {
		if res.Recipes, err = template.WriteRecipes(fl.recipes, entities, source, o, fl.force); err != nil {
			return err
		}
	}
	return a.printTemplate(res)
}

// writeTemplate writes the workbook or the CSV files and returns where the
// identity recipes read each entity.
func (a *app) writeTemplate(fl templateFlags, entities []*format.Entity, o template.Options, res *templateResult) (func(*format.Entity) recipe.Source, error) {
	if fl.csvDir != "" {
		files, err := template.WriteCSV(fl.csvDir, entities, o)
		res.Files = files
		return func(e *format.Entity) recipe.Source { return template.CSVSource(e, o) }, err
	}
	var b bytes.Buffer
	if err := template.WriteWorkbook(&b, entities, o); err != nil {
		return nil, err
	}
	if err := os.WriteFile(fl.out, b.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("template: %w", err)
	}
	res.Files = []string{fl.out}
	file := filepath.Base(fl.out)
	return func(e *format.Entity) recipe.Source { return template.XLSXSource(file, e) }, nil
}

type templateResult struct {
	Entities []string `json:"entities"`
	Files    []string `json:"files"`
	Recipes  []string `json:"recipes,omitempty"`
}

func (a *app) printTemplate(r templateResult) error {
	if a.json {
		return a.printJSON(r)
	}
	for _, f := range r.Files {
		fmt.Fprintf(a.stdout, "wrote %s\n", f)
	}
	for _, f := range r.Recipes {
		fmt.Fprintf(a.stdout, "wrote recipe %s\n", f)
	}
	fmt.Fprintf(a.stdout, "entities: %s\n", strings.Join(r.Entities, ", "))
	return nil
}

func parseDelimiter(s string) (rune, error) {
	if strings.EqualFold(s, "tab") || s == `\t` {
		return '\t', nil
	}
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 || n != len(s) || r == '"' || r == '\r' || r == '\n' || r == utf8.RuneError {
		return 0, usageErr(`--delimiter %q: give one character such as ";" or ",", or "tab"`, s)
	}
	return r, nil
}
