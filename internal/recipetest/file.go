// Package recipetest runs the fixture tests kept beside the recipes
// (recipes/<entity>.test.yaml): each case gives a source row and the
// target values, or the reject, the recipe must make of it. Cases run
// through transform.Apply, the code a check runs, lookups included.
package recipetest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/project/conf"
)

// File is one parsed <entity>.test.yaml.
type File struct {
	Path   string // as shown in messages (relative to the project)
	Entity string // from the file name
	Cases  []Case
	Data   []byte // the file's bytes, for the hash and the run archive
}

// Case is one fixture test.
type Case struct {
	Name     string
	Line     int
	Input    []Cell  // source columns in file order; absent columns are empty
	Expect   []Cell  // target fields and their expected canonical values
	Reject   *Reject // the row must be rejected by this field (and rule)
	Filtered bool    // the recipe's filter must drop the row
}

// Cell is a named value with the line it was written on.
type Cell struct {
	Name  string
	Value string
	Line  int
}

// Reject is an expected reject: Field and, when set, Rule.
type Reject struct {
	Field, Rule string
	Line        int
}

// crossRow are the rules a single row cannot show: they compare rows.
var crossRow = map[string]string{
	"unique":     "unique values are checked across the rows of a run",
	"ref":        "references are resolved against the other entities' rows",
	"reference":  "references are resolved against the other entities' rows",
	"references": "references are resolved against the other entities' rows",
}

// Parse parses a test file; name is the file as shown in messages, entity
// the entity its name says. Problems come back as *conf.Errors with
// file:line.
func Parse(name, entity string, data []byte) (*File, error) {
	errs := &conf.Errors{}
	d := &conf.Doc{File: name, Errs: errs}
	f := &File{Path: name, Entity: entity, Data: data}
	root := d.Parse(data)
	if root == nil {
		return nil, errs
	}
	var cases *yaml.Node
	d.Map(root, "", conf.Keys{"cases": func(v *yaml.Node) { cases = v }})
	if cases == nil && errs.Len() == 0 {
		d.Problem(root, "cases missing: list the cases, e.g. cases: [{name: …, input: {…}, expect: {…}}]")
	}
	for _, n := range d.Seq(cases, "cases") {
		if c, ok := parseCase(d, n); ok {
			f.Cases = append(f.Cases, c)
		}
	}
	errs.Sort()
	return f, errs.Err()
}

func parseCase(d *conf.Doc, n *yaml.Node) (Case, bool) {
	c := Case{Line: n.Line}
	before := d.Errs.Len()
	var expect, filtered *yaml.Node
	if !d.Map(n, "in a case", conf.Keys{
		"name":     func(v *yaml.Node) { c.Name = strings.TrimSpace(d.String(v, "name")) },
		"input":    func(v *yaml.Node) { c.Input = cells(d, v, "input") },
		"expect":   func(v *yaml.Node) { expect = v; c.Expect = cells(d, v, "expect") },
		"reject":   func(v *yaml.Node) { c.Reject = parseReject(d, v) },
		"filtered": func(v *yaml.Node) { filtered = v; c.Filtered = d.Bool(v, "filtered") },
	}) {
		return c, false
	}
	if c.Name == "" {
		d.Problem(n, "case without a name: add name: what the case shows")
	}
	switch given := btoi(expect != nil) + btoi(c.Reject != nil) + btoi(filtered != nil); {
	case given == 0:
		d.Problem(n, "case %q: say what must happen: expect: {field: value}, reject: {field: F, rule: R} or filtered: true", c.Name)
	case given > 1:
		d.Problem(n, "case %q: give one of expect, reject and filtered", c.Name)
	case filtered != nil && !c.Filtered:
		d.Problem(filtered, "case %q: filtered: false says nothing; use expect: to check the row's values", c.Name)
	}
	return c, d.Errs.Len() == before
}

func parseReject(d *conf.Doc, n *yaml.Node) *Reject {
	r := &Reject{Line: n.Line}
	d.Map(n, "in reject", conf.Keys{
		"field": func(v *yaml.Node) { r.Field = strings.TrimSpace(d.String(v, "reject.field")) },
		"rule":  func(v *yaml.Node) { r.Rule = strings.TrimSpace(d.String(v, "reject.rule")) },
	})
	if r.Field == "" {
		d.Problem(n, "reject.field missing: the field whose value the row is rejected for")
	}
	if why, ok := crossRow[r.Rule]; ok {
		d.Problem(n, "reject.rule %s is out of a single case's reach: %s; a check of the whole extraction shows it", r.Rule, why)
	}
	return r
}

// cells decodes a mapping of names to scalar values, in file order.
func cells(d *conf.Doc, n *yaml.Node, what string) []Cell {
	var out []Cell
	for _, e := range d.Entries(n, "in "+what) {
		v := e.Value
		if v.Kind != yaml.ScalarNode {
			d.Errs.Add(d.File, e.Line, "%s.%s: expected a single value, got a %s", what, e.Key, kindName(v))
			continue
		}
		out = append(out, Cell{Name: e.Key, Value: d.Text(v, what+"."+e.Key), Line: e.Line})
	}
	return out
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return "value"
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Files lists the test files of a recipes directory, sorted: the files
// named <entity>.test.yaml (or .test.yml), with their entities.
func Files(dir string) (paths, entities []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("list test files: %w", err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && entityOf(e.Name()) != "" {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, n := range names {
		paths = append(paths, filepath.Join(dir, n))
		entities = append(entities, entityOf(n))
	}
	return paths, entities, nil
}

// entityOf is the entity a test file's name says; "" for other files.
func entityOf(name string) string {
	for _, suffix := range []string{".test.yaml", ".test.yml"} {
		if len(name) > len(suffix) && strings.EqualFold(name[len(name)-len(suffix):], suffix) {
			return name[:len(name)-len(suffix)]
		}
	}
	return ""
}
