// Package transform turns one source row into one target row: the recipe's
// expressions, then every field's normalisation and constraints. A run
// (the engine), a fixture test and an explanation all go through Apply, so
// that a test proves what a check does.
package transform

import (
	"fmt"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

// Result is what became of one row.
type Result struct {
	Filtered bool
	Values   []string // canonical, aligned with the entity's fields; nil when filtered or unreadable
	Problems []format.Problem
}

// Apply evaluates the recipe on values (aligned with the program's
// columns, ncols of them) and normalises every field: the rules of a
// single row. Cross-row rules (unique, references) are the caller's.
func Apply(e *format.Entity, converted []bool, ev *recipe.Evaluator, ncols int, values []string) Result {
	if len(values) != ncols {
		return Result{Problems: []format.Problem{{Rule: "columns",
			Message: fmt.Sprintf("the row has %d fields, the header has %d", len(values), ncols)}}}
	}
	out := make([]string, len(e.Fields))
	keep, problems := ev.EvalText(values, out)
	if !keep {
		return Result{Filtered: true}
	}
	return Normalize(e, converted, out, problems)
}

// Normalize normalises the recipe's output (aligned with the entity's
// fields) and checks each field's own constraints; a field that already
// has a problem is left empty.
func Normalize(e *format.Entity, converted []bool, values []string, problems []format.Problem) Result {
	for i, f := range e.Fields {
		if len(problems) > 0 && HasProblem(problems, f.Name) {
			values[i] = ""
			continue
		}
		var p *format.Problem
		if converted[i] {
			values[i], p = f.NormalizeCanonical(values[i])
		} else {
			values[i], p = f.NormalizeText(values[i])
		}
		if p != nil {
			problems = append(problems, *p)
		}
	}
	return Result{Values: values, Problems: problems}
}

// KeyProblem is the single-row part of the key check: a row whose key is
// empty (and not already rejected for it) cannot be loaded.
func KeyProblem(e *format.Entity, r Result) *format.Problem {
	ki := e.KeyIndex()
	if r.Values == nil || ki < 0 || r.Values[ki] != "" || HasProblem(r.Problems, e.Key) {
		return nil
	}
	return &format.Problem{Field: e.Key, Rule: "required", Message: e.Key + ": the key is empty"}
}

// HasProblem reports whether a problem concerns field.
func HasProblem(ps []format.Problem, field string) bool {
	for _, p := range ps {
		if p.Field == field {
			return true
		}
	}
	return false
}
