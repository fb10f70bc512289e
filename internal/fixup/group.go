package fixup

import (
	"regexp"
	"unicode/utf8"

	"github.com/handover/handover/internal/format"
)

// Row is one target row's value of the field a group rewrites.
type Row struct {
	ID   int64  // the row's target id
	Key  string // its source key, for the report
	Text string
}

// Unresolved is one match a rule left as it was, with the reason: a
// reference that resolves to nothing, or a rewrite the field cannot hold.
type Unresolved struct {
	Rule, Entity, Key, Field string
	Text                     string // the match
	Reason                   string
}

// Counts are what one rule did in one pass: matches = rewritten +
// unresolved.
type Counts struct {
	Rule, Entity, Field string
	Matches             int64  // occurrences the match found
	Rewritten           int64  // occurrences replaced
	Unresolved          int64  // occurrences left as they were
	Rows                int64  // rows whose text the rule changed
	Again               string // a replacement the match finds again; "" when none
}

// Group is the rules on one field of one entity, in the order they run:
// each sees the text the one before left.
type Group struct {
	Entity, Field string
	Rules         []*Rule
	field         *format.Field
	pattern       *regexp.Regexp // the field's pattern, anchored; nil when none
}

// Groups gathers rules by entity and field, in the order of each pair's
// first rule.
func Groups(rules []*Rule) []*Group {
	var out []*Group
	byName := map[[2]string]*Group{}
	for _, r := range rules {
		k := [2]string{r.On, r.Field}
		g := byName[k]
		if g == nil {
			g = &Group{Entity: r.On, Field: r.Field, field: r.field}
			if r.field != nil && r.field.Pattern != "" {
				g.pattern, _ = regexp.Compile(`^(?:` + r.field.Pattern + `)$`)
			}
			byName[k] = g
			out = append(out, g)
		}
		g.Rules = append(g.Rules, r)
	}
	return out
}

// fits returns why the field cannot hold s, or "".
func (g *Group) fits(s string) string {
	if g.field == nil {
		return ""
	}
	if m := g.field.MaxLength; m > 0 {
		if n := utf8.RuneCountInString(s); n > m {
			return "the rewritten text would be " + itoa(n) + " characters, longer than max_length " + itoa(m)
		}
	}
	if g.pattern != nil && !g.pattern.MatchString(s) {
		return "the rewritten text would not have the field's required form (" + g.field.Pattern + ")"
	}
	return ""
}
