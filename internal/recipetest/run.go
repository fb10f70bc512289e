package recipetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/transform"
)

// Report is the outcome of a project's fixture tests.
type Report struct {
	Hash    string   `json:"hash"` // sha256 over the test files (entity, bytes), "" without tests
	Cases   int      `json:"cases"`
	Passed  int      `json:"passed"`
	Failed  int      `json:"failed"`
	Results []Result `json:"results"`
}

// OK reports whether every case passed.
func (r *Report) OK() bool { return r.Failed == 0 }

// Result is one case's outcome.
type Result struct {
	Entity string `json:"entity"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Name   string `json:"name"`
	Passed bool   `json:"passed"`
	Diffs  []Diff `json:"diffs,omitempty"`
}

// Diff is one way a case's outcome differs from what it expects.
type Diff struct {
	Field    string `json:"field,omitempty"`
	Expected string `json:"expected"`
	Got      string `json:"got"`
}

// Load reads the project's test files (all, or only entity's when set).
// Problems (YAML, unknown entities and fields, cross-row rules) are
// returned together as *conf.Errors with file:line.
func Load(p *project.Project, entity string) ([]*File, error) {
	if p.RecipesDir == "" {
		return nil, nil
	}
	paths, entities, err := Files(p.RecipesDir)
	if err != nil {
		return nil, err
	}
	errs := &conf.Errors{}
	var out []*File
	for i, path := range paths {
		if entity != "" && entities[i] != entity {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read test file: %w", err)
		}
		f, err := Parse(rel(p.Dir, path), entities[i], data)
		errs.Merge(rel(p.Dir, path), err)
		if f != nil {
			checkNames(p, f, errs)
			out = append(out, f)
		}
	}
	errs.Sort()
	return out, errs.Err()
}

// checkNames checks that the file's entity, expected fields and rejects
// exist in the format.
func checkNames(p *project.Project, f *File, errs *conf.Errors) {
	e := p.Format.Entity(f.Entity)
	if e == nil || p.Recipes[f.Entity] == nil {
		errs.Add(f.Path, 0, "no recipe for entity %q: a test file is named <entity>.test.yaml after the recipe it tests", f.Entity)
		return
	}
	known := func(name string, line int, what string) {
		if slices.IndexFunc(e.Fields, func(fd *format.Field) bool { return fd.Name == name }) < 0 {
			errs.Add(f.Path, line, "%s: entity %s has no field %q%s", what, e.Name, name, didYouMean(name, fieldNames(e)))
		}
	}
	for _, c := range f.Cases {
		for _, x := range c.Expect {
			known(x.Name, x.Line, "expect")
		}
		if c.Reject != nil && c.Reject.Field != "" {
			known(c.Reject.Field, c.Reject.Line, "reject.field")
		}
	}
}

func fieldNames(e *format.Entity) []string {
	out := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		out[i] = f.Name
	}
	return out
}

// Hash is the sha256 over the files' (entity, bytes), "" for none.
func Hash(files []*File) string {
	if len(files) == 0 {
		return ""
	}
	h := sha256.New()
	for _, f := range files {
		fmt.Fprintf(h, "%s\x00%d\x00", f.Entity, len(f.Data))
		h.Write(f.Data)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Run runs every case of the files against the project's recipes, format
// and lookups. A recipe that does not compile over the columns the cases
// name is an error (a configuration problem), not a failed case.
func Run(p *project.Project, files []*File) (*Report, error) {
	rep := &Report{Hash: Hash(files), Results: []Result{}}
	var errs []error
	for _, f := range files {
		e := p.Format.Entity(f.Entity)
		if err := e.Compile(); err != nil {
			errs = append(errs, err)
			continue
		}
		t, err := compile(p, f, e)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, c := range f.Cases {
			res := Result{Entity: f.Entity, File: f.Path, Line: c.Line, Name: c.Name}
			res.Diffs = judge(c, t.Row(values(t.Columns(), c.Input)), e)
			res.Passed = len(res.Diffs) == 0
			rep.Cases++
			if res.Passed {
				rep.Passed++
			} else {
				rep.Failed++
			}
			rep.Results = append(rep.Results, res)
		}
	}
	return rep, errors.Join(errs...)
}

// compile prepares the entity's recipe over the columns it reads plus the
// ones the cases name; a case naming a column the recipe never reads is
// an error (most likely a typo).
func compile(p *project.Project, f *File, e *format.Entity) (*transform.Single, error) {
	r := p.Recipes[f.Entity]
	columns := recipe.ReferencedColumns(r)
	errs := &conf.Errors{}
	for _, c := range f.Cases {
		for _, in := range c.Input {
			if !slices.Contains(columns, in.Name) {
				errs.Add(f.Path, in.Line, "input: the recipe %s reads no column %q%s (it reads %s)",
					rel(p.Dir, r.Path), in.Name, didYouMean(in.Name, columns), strings.Join(columns, ", "))
			}
		}
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	t, err := transform.Compile(r, e, columns, p.Lookups)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.Path, err)
	}
	return t, nil
}

func values(columns []string, input []Cell) []string {
	out := make([]string, len(columns))
	for _, in := range input {
		out[slices.Index(columns, in.Name)] = in.Value
	}
	return out
}

// judge compares a row's outcome with what the case expects.
func judge(c Case, r transform.Result, e *format.Entity) []Diff {
	switch {
	case c.Filtered:
		if !r.Filtered {
			return []Diff{{Expected: "filtered out", Got: outcome(r)}}
		}
		return nil
	case r.Filtered:
		return []Diff{{Expected: expected(c), Got: "filtered out by the recipe's filter"}}
	case c.Reject != nil:
		for _, p := range r.Problems {
			if p.Field == c.Reject.Field && (c.Reject.Rule == "" || p.Rule == c.Reject.Rule) {
				return nil
			}
		}
		return []Diff{{Field: c.Reject.Field, Expected: expected(c), Got: outcome(r)}}
	}
	var out []Diff
	for _, x := range c.Expect {
		i := slices.IndexFunc(e.Fields, func(f *format.Field) bool { return f.Name == x.Name })
		if msg := problemOf(r.Problems, x.Name); msg != "" {
			out = append(out, Diff{Field: x.Name, Expected: strconv.Quote(x.Value), Got: "rejected: " + msg})
			continue
		}
		if got := r.Values[i]; got != x.Value {
			out = append(out, Diff{Field: x.Name, Expected: strconv.Quote(x.Value), Got: strconv.Quote(got)})
		}
	}
	for _, p := range r.Problems {
		if !slices.ContainsFunc(c.Expect, func(x Cell) bool { return x.Name == p.Field }) {
			out = append(out, Diff{Field: p.Field, Expected: "an accepted row", Got: "rejected: " + p.Message})
		}
	}
	return out
}

func expected(c Case) string {
	if c.Reject != nil {
		if c.Reject.Rule == "" {
			return "a reject by " + c.Reject.Field
		}
		return "a reject by " + c.Reject.Field + "/" + c.Reject.Rule
	}
	return "an accepted row"
}

// outcome describes a row's outcome in one line.
func outcome(r transform.Result) string {
	if r.Filtered {
		return "filtered out"
	}
	if len(r.Problems) == 0 {
		return "accepted"
	}
	parts := make([]string, len(r.Problems))
	for i, p := range r.Problems {
		parts[i] = p.RuleKey() + " (" + p.Message + ")"
	}
	return "rejected by " + strings.Join(parts, "; ")
}

func problemOf(ps []format.Problem, field string) string {
	for _, p := range ps {
		if p.Field == field {
			return p.RuleKey() + " (" + p.Message + ")"
		}
	}
	return ""
}

func rel(dir, path string) string {
	if r, err := filepath.Rel(dir, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

func didYouMean(s string, candidates []string) string {
	if c := conf.Suggest(s, candidates); c != "" {
		return fmt.Sprintf(" (did you mean %q?)", c)
	}
	return ""
}
