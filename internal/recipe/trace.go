package recipe

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/format"
)

// Step is one function call of a traced evaluation: the call with the
// values its arguments had, and what it gave.
type Step struct {
	Call    string `json:"call"`
	Value   string `json:"value"`
	Problem string `json:"problem,omitempty"` // the call failed: the reject message
}

// FieldTrace is how one expression evaluated on one row.
type FieldTrace struct {
	Field string // target field; "" for the filter
	Expr  string // the expression as written in the recipe
	Steps []Step // the function calls, innermost first, in the order they ran
	Value string // the expression's value as text ("" when it failed)
}

// Trace evaluates one row like EvalText and also records, per expression,
// every function call with its argument values and result. The filter's
// trace comes first when the recipe has one; then one trace per field
// with an expression, in the entity's field order. Tracing costs one nil
// check per call on the normal path; use it for single rows (explain,
// fixture tests), not for runs.
func (ev *Evaluator) Trace(values, out []string) (keep bool, problems []format.Problem, traces []FieldTrace) {
	st := &ev.st
	var steps []Step
	st.steps = &steps
	defer func() { st.steps = nil }()
	st.row, st.problems = values, nil
	defer func() {
		if r := recover(); r != nil {
			st.problems = append(st.problems, format.Problem{Field: st.field, Rule: "expression",
				Message: fmt.Sprintf("%s: cannot evaluate: %v", st.label, r)})
			keep, problems = true, st.problems
		}
		st.row, st.stack = nil, st.stack[:0]
	}()
	if f := ev.p.filter; f != nil {
		steps = nil
		kept := ev.filter(f)
		traces = append(traces, FieldTrace{Expr: f.src, Steps: steps, Value: strconv.FormatBool(kept)})
		if !kept {
			return false, nil, traces
		}
	}
	for i, f := range ev.p.fields {
		out[i] = ""
		if f == nil {
			continue
		}
		steps = nil
		out[i], _ = ev.fieldText(f)
		traces = append(traces, FieldTrace{Field: f.field, Expr: f.src, Steps: steps, Value: out[i]})
	}
	return true, st.problems, traces
}

// traceCall runs a call and records it as a step.
func (st *state) traceCall(s *site, args []string) string {
	call := showCall(s, args)
	before := len(st.problems)
	out := s.spec.call(st, s, args)
	step := Step{Call: call, Value: out}
	if len(st.problems) > before {
		step.Problem = st.problems[len(st.problems)-1].Message
	}
	*st.steps = append(*st.steps, step)
	return out
}

// showCall writes a call with its argument values: upper("meier").
func showCall(s *site, args []string) string {
	var b strings.Builder
	b.WriteString(s.spec.name)
	b.WriteByte('(')
	vi, ti, ii := 0, 0, 0
	for i, k := range s.kinds {
		if i > 0 {
			b.WriteString(", ")
		}
		switch k {
		case pValue:
			if vi < len(args) {
				b.WriteString(strconv.Quote(args[vi]))
			}
			vi++
		case pText:
			if ti < len(s.texts) {
				b.WriteString(strconv.Quote(s.texts[ti]))
			}
			ti++
		case pInt:
			if ii < len(s.ints) {
				b.WriteString(strconv.Itoa(s.ints[ii]))
			}
			ii++
		}
	}
	b.WriteByte(')')
	return b.String()
}
