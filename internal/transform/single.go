package transform

import (
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

// Single transforms rows one at a time, outside a run: a fixture test's
// input, the row an explanation re-runs. Not safe for concurrent use.
type Single struct {
	entity    *format.Entity
	columns   []string
	converted []bool
	ev        *recipe.Evaluator
}

// Compile prepares r for entity e over a source with these columns. The
// entity's fields must be compiled (format.Entity.Compile) or are
// prepared on every value.
func Compile(r *recipe.Recipe, e *format.Entity, columns []string, lookups recipe.Lookups) (*Single, error) {
	prog, err := recipe.Compile(r, e, columns, lookups)
	if err != nil {
		return nil, err
	}
	return &Single{entity: e, columns: columns, converted: prog.Converted(r), ev: prog.NewEvaluator()}, nil
}

// Columns are the source columns the transformer was compiled for.
func (s *Single) Columns() []string { return s.columns }

// Row transforms one row as a run does, with the single-row key check.
func (s *Single) Row(values []string) Result {
	r := Apply(s.entity, s.converted, s.ev, len(s.columns), values)
	if p := KeyProblem(s.entity, r); p != nil {
		r.Problems = append(r.Problems, *p)
	}
	return r
}

// Explain transforms one row like Row and also returns how each
// expression evaluated (see recipe.Evaluator.Trace).
func (s *Single) Explain(values []string) (Result, []recipe.FieldTrace) {
	if len(values) != len(s.columns) {
		return Apply(s.entity, s.converted, s.ev, len(s.columns), values), nil
	}
	out := make([]string, len(s.entity.Fields))
	keep, problems, traces := s.ev.Trace(values, out)
	if !keep {
		return Result{Filtered: true}, traces
	}
	r := Normalize(s.entity, s.converted, out, problems)
	if p := KeyProblem(s.entity, r); p != nil {
		r.Problems = append(r.Problems, *p)
	}
	return r, traces
}
