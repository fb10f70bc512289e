// Package fixup rewrites old references in loaded text fields to the new
// system's: a rule finds old IDs and links with a regular expression,
// resolves the captured source key to its target id through the
// environment's bookkeeping and puts a template in its place. The package
// holds the rules (parsed from YAML, checked against the format) and the
// text work; the loaders scan the rows and write the changes.
package fixup

import (
	"strconv"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/project/conf"
)

// Spec is one fix-up rule as written under fixups: in a recipe or in
// handover.yaml, before it is checked against the format.
type Spec struct {
	Name    string // "" = the default name, <on>.<field>#<n>
	On      string // entity whose field is rewritten; a recipe's own entity
	Field   string
	Match   string // Go regular expression
	Entity  string // "": no lookup; else capture 1 is a source key of it
	Replace string // template: {id} {key} {0}…{9}
	File    string // as shown in messages
	Line    int    // line of the rule's list item
	// lines of the keys that were given, for messages: "match" → 12.
	lines map[string]int
}

// line returns the line of key, or of the rule when key was not given.
func (s *Spec) line(key string) int {
	if l, ok := s.lines[key]; ok {
		return l
	}
	return s.Line
}

// ParseSpecs decodes a fixups: list. In handover.yaml (inHandover) each
// rule names the entity it rewrites with on:; in a recipe the rules
// rewrite the recipe's entity, which the caller sets as On.
func ParseSpecs(d *conf.Doc, n *yaml.Node, inHandover bool) []Spec {
	var out []Spec
	for i, item := range d.Seq(n, "fixups") {
		s := Spec{File: d.File, Line: item.Line, lines: map[string]int{}}
		what := "fixups[" + strconv.Itoa(i+1) + "]"
		str := func(dst *string, key string) func(v *yaml.Node) {
			return func(v *yaml.Node) {
				*dst = d.Text(v, what+"."+key)
				s.lines[key] = v.Line
			}
		}
		keys := conf.Keys{
			"name":    str(&s.Name, "name"),
			"field":   str(&s.Field, "field"),
			"match":   str(&s.Match, "match"),
			"entity":  str(&s.Entity, "entity"),
			"replace": str(&s.Replace, "replace"),
		}
		if inHandover {
			keys["on"] = str(&s.On, "on")
		} else {
			keys["on"] = func(v *yaml.Node) {
				d.Problem(v, "%s.on: a recipe's fix-ups rewrite the recipe's own entity; on: belongs in handover.yaml", what)
			}
		}
		if !d.Map(item, "in "+what, keys) {
			continue
		}
		if _, ok := s.lines["replace"]; !ok {
			d.Problem(item, "%s: replace missing: what to put in place of each match, e.g. replace: 'https://app.example.com/contacts/{id}'", what)
		}
		out = append(out, s)
	}
	return out
}
