// Package explain shows how one source row became what it is: the row as
// read, each field's expression with the value of every function call,
// the normalised value, and the rule that rejected the row. It re-runs
// only that row, against the recipes the run archived, so it works on old
// runs too.
package explain

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/transform"
)

// Request names the row to explain.
type Request struct {
	Project    *project.Project // the project as the run had it (archive.Materialize)
	Extraction *extract.Extraction
	Entity     string
	Line       int
	File       string // a source of several files (kontakte_*.csv): the file the line is in
	Field      string // only this field; "" for all
	// Recorded is what the run wrote for the row in its rejects file
	// (errors column); "" when the run accepted or filtered it, or unknown.
	Recorded string
	// Open opens the entity's source in the extraction as a run reads it
	// (engine.OpenSource).
	Open func(ctx context.Context, x *extract.Extraction, r *recipe.Recipe) (source.Reader, error)
}

// Explanation is the answer; its JSON is what explain --json prints.
type Explanation struct {
	Entity   string  `json:"entity"`
	Source   Source  `json:"source"`
	Filter   *Field  `json:"filter,omitempty"`
	Fields   []Field `json:"fields"`
	Rejected bool    `json:"rejected"`
	Filtered bool    `json:"filtered,omitempty"`
	// Problems are the reasons the row is rejected, each with its rule:
	// the single-row rules found now, then the rules across rows (unique,
	// references) the run recorded.
	Problems []Problem `json:"problems"`
	// Recorded is the errors text the run wrote into its rejects file.
	Recorded string `json:"recorded,omitempty"`
}

// Source is the row as read.
type Source struct {
	File     string            `json:"file"`
	Line     int               `json:"line"`
	Encoding string            `json:"encoding,omitempty"`
	Raw      string            `json:"raw,omitempty"` // the row's bytes in the file, decoded
	Columns  map[string]string `json:"columns"`
	Order    []string          `json:"order"` // the columns in file order
}

// Field is how one field's value came about.
type Field struct {
	Name       string        `json:"name"`
	Expression string        `json:"expression"`
	Steps      []recipe.Step `json:"steps"`
	Result     string        `json:"result"`  // what the expression gave, before normalisation
	Value      string        `json:"value"`   // the normalised value ("" when rejected)
	Problem    string        `json:"problem"` // the rule and message that rejected it; "" when none
}

// Problem is one reason for a reject.
type Problem struct {
	Field   string `json:"field,omitempty"`
	Rule    string `json:"rule"`
	Message string `json:"message"`
	// AcrossRows marks a rule that compares rows (unique, ref): the run
	// recorded it; one row alone cannot show it.
	AcrossRows bool `json:"across_rows,omitempty"`
}

// Explain re-runs one row of the request's entity and says how it became
// what it is.
func Explain(ctx context.Context, req Request) (*Explanation, error) {
	p := req.Project
	r, e := p.Recipes[req.Entity], p.Format.Entity(req.Entity)
	if r == nil || e == nil {
		return nil, fmt.Errorf("explain: no entity %q in the run's recipes (entities: %s)", req.Entity, entityNames(p))
	}
	if req.Field != "" && fieldIndex(e, req.Field) < 0 {
		return nil, fmt.Errorf("explain: entity %s has no field %q", e.Name, req.Field)
	}
	if err := e.Compile(); err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	row, columns, enc, err := readRow(ctx, req.Open, req.Extraction, r, req.Line, req.File)
	if err != nil {
		return nil, err
	}
	t, err := transform.Compile(r, e, columns, p.Lookups)
	if err != nil {
		return nil, fmt.Errorf("explain: %w", err)
	}
	x := &Explanation{Entity: e.Name, Fields: []Field{}, Problems: []Problem{}, Recorded: req.Recorded,
		Source: Source{File: r.SourcePath(), Line: row.Line, Encoding: enc, Order: columns, Columns: map[string]string{}}}
	for i, c := range columns {
		if i < len(row.Values) {
			x.Source.Columns[c] = row.Values[i]
		}
	}
	if file := x.Source.Columns[source.FileColumn]; file != "" {
		x.Source.File = file
	}
	if !r.Source.IsDatabase() {
		x.Source.Raw = rawLines(ctx, req.Extraction, x.Source.File, enc, row.Line)
	}
	var res transform.Result
	var traces []recipe.FieldTrace
	if row.Problem != "" {
		res = transform.Result{Problems: []format.Problem{{Rule: "row", Message: row.Problem}}}
	} else {
		res, traces = t.Explain(row.Values)
	}
	x.fill(r, e, req.Field, res, traces)
	return x, nil
}

// fill turns the transform's result and traces into the explanation.
func (x *Explanation) fill(r *recipe.Recipe, e *format.Entity, only string, res transform.Result, traces []recipe.FieldTrace) {
	x.Filtered = res.Filtered
	byField := map[string]recipe.FieldTrace{}
	for _, tr := range traces {
		if tr.Field == "" {
			x.Filter = &Field{Name: "filter", Expression: tr.Expr, Steps: steps(tr.Steps), Result: tr.Value, Value: tr.Value}
			continue
		}
		byField[tr.Field] = tr
	}
	for i, f := range e.Fields {
		if only != "" && f.Name != only {
			continue
		}
		tr, traced := byField[f.Name]
		if !traced { // the row could not be evaluated (a ragged row): the expression still shows
			for _, fx := range r.Fields {
				if fx.Field == f.Name {
					tr.Expr = fx.Expr
				}
			}
		}
		fd := Field{Name: f.Name, Expression: tr.Expr, Steps: steps(tr.Steps), Result: tr.Value}
		if res.Values != nil {
			fd.Value = res.Values[i]
		}
		for _, p := range res.Problems {
			if p.Field == f.Name {
				fd.Problem = p.RuleKey() + ": " + p.Message
				break
			}
		}
		x.Fields = append(x.Fields, fd)
	}
	for _, p := range res.Problems {
		x.Problems = append(x.Problems, Problem{Field: p.Field, Rule: p.Rule, Message: p.Message})
	}
	x.addRecorded(res.Problems)
	x.Rejected = !x.Filtered && (len(x.Problems) > 0 || x.Recorded != "")
}

// addRecorded adds the recorded messages no single-row rule explains:
// the rules across rows (a duplicate, a reference that does not resolve).
func (x *Explanation) addRecorded(now []format.Problem) {
	if x.Recorded == "" {
		return
	}
	for _, msg := range strings.Split(x.Recorded, " | ") {
		found := false
		for _, p := range now {
			found = found || p.Message == msg
		}
		if !found {
			x.Problems = append(x.Problems, Problem{Field: fieldOf(msg), Rule: acrossRowsRule(msg), Message: msg, AcrossRows: true})
		}
	}
}

// acrossRowsRule names the rule behind a recorded message that only the
// whole run can show, from the messages the engine writes.
func acrossRowsRule(msg string) string {
	switch {
	case strings.Contains(msg, " appears more than once "):
		return "unique"
	case strings.Contains(msg, " row has the key "), strings.Contains(msg, " was rejected (line "):
		return "ref"
	case strings.HasSuffix(msg, ": the key is empty"):
		return "required"
	}
	return "recorded"
}

// fieldOf is the field a message starts with ("email: …").
func fieldOf(msg string) string {
	if f, _, ok := strings.Cut(msg, ": "); ok && !strings.ContainsAny(f, " \t") {
		return f
	}
	return ""
}

func steps(s []recipe.Step) []recipe.Step {
	if s == nil {
		return []recipe.Step{}
	}
	return s
}

// readRow opens the entity's source in the extraction and reads up to the
// row that starts on line.
func readRow(ctx context.Context, open func(context.Context, *extract.Extraction, *recipe.Recipe) (source.Reader, error),
	x *extract.Extraction, r *recipe.Recipe, line int, file string) (source.Row, []string, string, error) {
	if open == nil {
		return source.Row{}, nil, "", errors.New("explain: no way to open the source (Request.Open)")
	}
	rd, err := open(ctx, x, r)
	if err != nil {
		return source.Row{}, nil, "", fmt.Errorf("explain: %w", err)
	}
	defer rd.Close()
	last := 0
	for {
		row, err := rd.Next(ctx)
		if errors.Is(err, io.EOF) {
			return source.Row{}, nil, "", fmt.Errorf("explain: no row starts on line %d of %s (the last row starts on line %d)", line, r.SourcePath(), last)
		}
		if err != nil {
			return source.Row{}, nil, "", fmt.Errorf("explain: %w", err)
		}
		if file != "" && !inFile(rd.Columns(), row.Values, file) {
			continue
		}
		if row.Line == line {
			return row, rd.Columns(), rd.Encoding(), nil
		}
		if row.Line > line && file == "" && !source.IsPattern(r.SourcePath()) {
			return source.Row{}, nil, "", fmt.Errorf("explain: no row starts on line %d of %s (line %d is inside the previous row, or the header)", line, r.SourcePath(), line)
		}
		last = row.Line
	}
}

func entityNames(p *project.Project) string {
	var names []string
	for _, e := range p.Format.Entities {
		names = append(names, e.Name)
	}
	return strings.Join(names, ", ")
}

func fieldIndex(e *format.Entity, name string) int {
	for i, f := range e.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// inFile reports whether a row of a several-files source comes from file.
func inFile(columns, values []string, file string) bool {
	for i, c := range columns {
		if c == source.FileColumn && i < len(values) {
			return values[i] == file
		}
	}
	return true
}
