package report

import "strconv"

// RuleExample is the first row a rule rejected, with how it came about:
// the report links each rule of "rejects by rule" to it.
type RuleExample struct {
	Rule    string // "field/rule", as in rejects_by_rule
	Line    int
	Message string // the rule's message for that row
	Fields  []ExampleField
	Command string // the command that explains the row in full
}

// ExampleField is how the failing field's value came about.
type ExampleField struct {
	Name, Expression string
	Steps            []string // `trim(" x ") → "x"`, innermost first
	Result           string   // what the expression gave ("" when it failed)
}

// ruleAnchors gives each example an id for links, by rule.
func ruleAnchors(entity string, examples []RuleExample) map[string]string {
	out := make(map[string]string, len(examples))
	for i, x := range examples {
		out[x.Rule] = "ex-" + anchorPart(entity) + "-" + strconv.Itoa(i+1)
	}
	return out
}

// anchorPart keeps the letters, digits, - and _ of s.
func anchorPart(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b = append(b, c)
		}
	}
	return string(b)
}
