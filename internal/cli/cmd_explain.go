package cli

import (
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/explain"
	svc "github.com/handover/handover/internal/usecase"
)

func (a *app) explainCommand() *cobra.Command {
	var entity, field, file string
	var line int
	cmd := &cobra.Command{
		Use:   "explain RUN --entity E --line N [--field F]",
		Short: "How one source row became what it is",
		Long: `explain re-runs one row of a past run against the recipes, format and
lookups the run archived (so it works on old runs after the recipes changed)
and shows the source row as read (file, line, the raw text decoded, the
encoding), each field's expression with the value of every function call,
the normalised value, and the rule and message that rejected the row — for
rejected and accepted rows alike. Rules across rows (unique, references) are
taken from what the run recorded in its rejects file.

--json prints {"source": {"file", "line", "columns": {…}, …}, "fields": [{"name",
"expression", "steps": [{"call", "value"}], "value", "problem"}], "rejected"}.`,
		Example: `  handover explain 4 --entity contacts --line 77
  handover explain 4 --entity contacts --line 77 --field email
  handover explain 4 --entity contacts --line 77 --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := runNumber(args[0])
			if err != nil {
				return err
			}
			x, err := a.service().Explain(cmd.Context(), svc.ExplainRequest{Actor: a.actor(), Project: a.dir, Run: n,
				Entity: entity, Line: line, File: file, Field: field})
			if err != nil {
				return err
			}
			if a.json {
				return a.printJSON(x)
			}
			printExplanation(a, x)
			return nil
		},
	}
	cmd.Flags().StringVar(&entity, "entity", "", "the entity whose row to explain")
	cmd.Flags().IntVar(&line, "line", 0, "the row's line in its source file")
	cmd.Flags().StringVar(&field, "field", "", "only this field")
	cmd.Flags().StringVar(&file, "file", "", "for a source of several files (kontakte_*.csv): the file the line is in")
	return cmd
}

func printExplanation(a *app, x *explain.Explanation) {
	w := a.stdout
	s := x.Source
	fmt.Fprintf(w, "%s, line %d of %s", x.Entity, s.Line, s.File)
	if s.Encoding != "" {
		fmt.Fprintf(w, " (%s)", s.Encoding)
	}
	fmt.Fprintln(w)
	if s.Raw != "" {
		fmt.Fprintf(w, "  raw:  %s\n", s.Raw)
	}
	for _, c := range s.Order {
		fmt.Fprintf(w, "  %s = %s\n", c, strconv.Quote(s.Columns[c]))
	}
	if f := x.Filter; f != nil {
		fmt.Fprintf(w, "filter: %s\n", f.Expression)
		printSteps(a, f)
		fmt.Fprintf(w, "  → %s\n", f.Value)
	}
	for _, f := range x.Fields {
		if f.Expression == "" {
			fmt.Fprintf(w, "%s: no expression\n", f.Name)
			continue
		}
		fmt.Fprintf(w, "%s = %s\n", f.Name, f.Expression)
		printSteps(a, &f)
		if f.Problem != "" {
			fmt.Fprintf(w, "  ✗ %s\n", f.Problem)
		} else {
			fmt.Fprintf(w, "  → %s\n", strconv.Quote(f.Value))
		}
	}
	switch {
	case x.Filtered:
		fmt.Fprintln(w, "FILTERED: the recipe's filter drops the row")
	case x.Rejected:
		fmt.Fprintln(w, "REJECTED:")
		for _, p := range x.Problems {
			across := ""
			if p.AcrossRows {
				across = " (across rows, as the run recorded it)"
			}
			fmt.Fprintf(w, "  %s: %s%s\n", ruleKey(p.Field, p.Rule), p.Message, across)
		}
	default:
		fmt.Fprintln(w, "ACCEPTED")
	}
}

func printSteps(a *app, f *explain.Field) {
	for _, s := range f.Steps {
		if s.Problem != "" {
			fmt.Fprintf(a.stdout, "    %s ✗ %s\n", s.Call, s.Problem)
			continue
		}
		fmt.Fprintf(a.stdout, "    %s → %s\n", s.Call, strconv.Quote(s.Value))
	}
}

func ruleKey(field, rule string) string {
	if field == "" {
		return rule
	}
	return field + "/" + rule
}
