package engine

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/transform"
)

// maxRuleExamples bounds the example rows the report explains per entity.
const maxRuleExamples = 40

// ruleExamples keeps, per rule, the first row it rejected.
type ruleExamples struct {
	rows []exampleRow
	seen map[string]bool
}

type exampleRow struct {
	rule    string
	line    int
	message string
	field   string
	values  []string
}

// note records the row as the example of each rule not seen before.
func (x *ruleExamples) note(line int, values []string, problems []format.Problem) {
	if x.seen == nil {
		x.seen = map[string]bool{}
	}
	for _, p := range problems {
		key := p.RuleKey()
		if x.seen[key] || len(x.rows) >= maxRuleExamples {
			continue
		}
		x.seen[key] = true
		x.rows = append(x.rows, exampleRow{rule: key, line: line, message: p.Message, field: p.Field, values: slices.Clone(values)})
	}
}

// explain re-runs each example row with tracing, for the report.
func (x *ruleExamples) explain(o *execution, pl *preparedEntity, columns []string) []report.RuleExample {
	if len(x.rows) == 0 {
		return nil
	}
	single, err := transform.Compile(pl.recipe, pl.entity, columns, o.spec.Lookups)
	if err != nil {
		single = nil // compiled once already; cannot happen, but the examples are only an aid
	}
	out := make([]report.RuleExample, 0, len(x.rows))
	for _, r := range x.rows {
		ex := report.RuleExample{Rule: r.rule, Line: r.line, Message: r.message,
			Command: fmt.Sprintf("handover explain %d --entity %s --line %d", o.Run, pl.entity.Name, r.line)}
		if single != nil && len(r.values) == len(columns) {
			_, traces := single.Explain(r.values)
			for _, tr := range traces {
				if tr.Field == r.field && tr.Field != "" {
					ex.Fields = append(ex.Fields, exampleField(tr))
				}
			}
		}
		out = append(out, ex)
	}
	return out
}

func exampleField(tr recipe.FieldTrace) report.ExampleField {
	f := report.ExampleField{Name: tr.Field, Expression: tr.Expr, Result: tr.Value}
	for _, s := range tr.Steps {
		if s.Problem != "" {
			f.Steps = append(f.Steps, s.Call+" ✗ "+s.Problem)
		} else {
			f.Steps = append(f.Steps, s.Call+" → "+strconv.Quote(s.Value))
		}
	}
	return f
}
