package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/recipetest"
	svc "github.com/handover/handover/internal/usecase"
)

// errTestsFailed makes `handover test` exit 1 after printing its report.
var errTestsFailed = errors.New("fixture tests failed")

func (a *app) testCommand() *cobra.Command {
	var entity string
	cmd := &cobra.Command{
		Use:   "test [--entity E]",
		Short: "Run the recipes' fixture tests",
		Long: `test runs the fixture tests kept beside the recipes, recipes/<entity>.test.yaml,
through the same code as check (lookups included) and prints a field-by-field
diff for every failing case. Exit code 1 when a case fails, 2 when a test file
is broken.

A test file lists cases; input names source columns (absent ones are empty),
expect lists target fields with their expected values (only those are
checked, and the row must be accepted), reject names the field and rule the
row must be rejected for, filtered: true says the recipe's filter drops it:

  cases:
    - name: Swiss phone and date
      input: {ID: K1, Nachname: " meier ", Telefon: "044 123 45 67", Geburtsdatum: "01.02.1980"}
      expect: {external_id: K1, last_name: MEIER, phone: "+41441234567", birth_date: "1980-02-01"}
    - name: impossible date
      input: {ID: K2, Nachname: X, Geburtsdatum: "31.02.1980"}
      reject: {field: birth_date, rule: date}

Rules that compare rows (unique, ref) are out of a single case's reach. With
gate: {tests: required} in handover.yaml, check and import fail their gate
unless the tests pass; every run's protocol records the tests' hash and result.`,
		Example: `  handover test
  handover test --entity contacts
  handover test --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			rep, err := a.service().Test(cmd.Context(), svc.TestRequest{Actor: a.actor(), Project: a.dir, Entity: entity})
			if err != nil {
				return err
			}
			if a.json {
				if err := a.printJSON(rep); err != nil {
					return err
				}
			} else {
				printTests(a, rep)
			}
			if !rep.OK() {
				return &exitError{code: exitFailed, err: fmt.Errorf("%w: %d of %d cases", errTestsFailed, rep.Failed, rep.Cases)}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&entity, "entity", "", "only this entity's tests")
	return cmd
}

func printTests(a *app, rep *recipetest.Report) {
	for _, r := range rep.Results {
		mark := "ok  "
		if !r.Passed {
			mark = "FAIL"
		}
		fmt.Fprintf(a.stdout, "%s %s:%d %s\n", mark, r.File, r.Line, r.Name)
		for _, d := range r.Diffs {
			field := d.Field
			if field == "" {
				field = "row"
			}
			fmt.Fprintf(a.stdout, "       %s:\n         expected %s\n         got      %s\n", field, d.Expected, d.Got)
		}
	}
	fmt.Fprintf(a.stdout, "%d cases: %d passed, %d failed\n", rep.Cases, rep.Passed, rep.Failed)
}
