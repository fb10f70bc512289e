package recipetest

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/transform"
)

// FirstCase writes a first test file for a recipe: one case made of the
// first readable row of the file at path (read with the recipe's source
// options), expecting what the recipe makes of it today — the values of
// an accepted row, or the field and rule of a reject. A reviewer checks
// the expected values and keeps the case. lookups are the tables the
// recipe may use.
func FirstCase(ctx context.Context, path string, r *recipe.Recipe, e *format.Entity, lookups recipe.Lookups) ([]byte, error) {
	s := r.Source
	rd, err := source.Open(ctx, path, source.Options{Encoding: s.Encoding, Delimiter: s.Delimiter, Sheet: s.Sheet,
		HeaderRow: s.HeaderRow, SkipRows: s.SkipRows, FooterRows: s.FooterRows, NoHeader: s.NoHeader,
		Columns: s.Columns, Widths: s.Widths, Table: s.Table})
	if err != nil {
		return nil, fmt.Errorf("first test case: %w", err)
	}
	defer rd.Close()
	var row source.Row
	for {
		row, err = rd.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("first test case: %s has no row to make a case of", r.Source.File)
		}
		if err != nil {
			return nil, fmt.Errorf("first test case: %w", err)
		}
		if row.Problem == "" && len(row.Values) == len(rd.Columns()) {
			break
		}
	}
	if err := e.Compile(); err != nil {
		return nil, fmt.Errorf("first test case: %w", err)
	}
	t, err := transform.Compile(r, e, rd.Columns(), lookups)
	if err != nil {
		return nil, fmt.Errorf("first test case: %w", err)
	}
	res := t.Row(row.Values)
	c := caseNode(fmt.Sprintf("first row of %s (line %d)", r.Source.File, row.Line))
	used := recipe.ReferencedColumns(r)
	input := flowMap()
	for i, col := range rd.Columns() {
		if slices.Contains(used, col) && row.Values[i] != "" {
			addPair(input, col, row.Values[i])
		}
	}
	addNode(c, "input", input)
	switch {
	case res.Filtered:
		addNode(c, "filtered", &yaml.Node{Kind: yaml.ScalarNode, Value: "true"})
	case len(res.Problems) > 0:
		p := res.Problems[0]
		rej := flowMap()
		addPair(rej, "field", p.Field)
		addPair(rej, "rule", p.Rule)
		addNode(c, "reject", rej)
	default:
		expect := flowMap()
		for i, f := range e.Fields {
			if res.Values[i] != "" {
				addPair(expect, f.Name, res.Values[i])
			}
		}
		addNode(c, "expect", expect)
	}
	doc := &yaml.Node{Kind: yaml.MappingNode}
	addNode(doc, "cases", &yaml.Node{Kind: yaml.SequenceNode, Content: []*yaml.Node{c}})
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Fixture tests of the %s recipe (handover test). The case below was\n", e.Name)
	b.WriteString("# written from the first row of the file: it expects what the recipe makes\n")
	b.WriteString("# of the row today. Check every expected value, then add the cases that\n")
	b.WriteString("# matter (input: source columns, expect: target values, or reject: {field, rule}).\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("first test case: %w", err)
	}
	return b.Bytes(), enc.Close()
}

func caseNode(name string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	addPair(n, "name", name)
	return n
}

func flowMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

func addPair(m *yaml.Node, key, value string) {
	addNode(m, key, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: value, Style: yaml.DoubleQuotedStyle})
}

func addNode(m *yaml.Node, key string, v *yaml.Node) {
	m.Content = append(m.Content, &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}, v)
}

// ReadLookups reads the lookup tables of a directory (<table>.csv with a
// from,to header) for drafting: unreadable files are skipped, as check
// reports them.
func ReadLookups(dir string) recipe.Lookups {
	out := recipe.Lookups{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.EqualFold(filepath.Ext(name), ".csv") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			continue
		}
		data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
		r := csv.NewReader(bytes.NewReader(data))
		if head, _, _ := bytes.Cut(data, []byte("\n")); bytes.Contains(head, []byte(";")) && !bytes.Contains(head, []byte(",")) {
			r.Comma = ';'
		}
		recs, err := r.ReadAll()
		if err != nil || len(recs) == 0 {
			continue
		}
		table := map[string]string{}
		for _, rec := range recs[1:] {
			if len(rec) == 2 {
				table[rec[0]] = rec[1]
			}
		}
		out[strings.TrimSuffix(name, filepath.Ext(name))] = table
	}
	return out
}
