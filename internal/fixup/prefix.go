package fixup

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// A rule's match usually starts with literal text (the old system's URL,
// a path), followed by a short part that captures the key. Go's regexp
// finds such a match by stepping through the literal character by
// character after locating it; prefixMatcher locates the literal with
// strings.Index and runs only the rest, anchored, where it ends. The
// matches are FindAllStringSubmatchIndex's: the leftmost match starts at
// the first occurrence of the literal the rest matches after, and the
// match of a literal followed by the rest at a fixed start is the rest's
// preferred match there. The rest may not look behind its start (^, \b,
// \B), which it could not see once cut off from the literal.
type prefixMatcher struct {
	prefix string
	rest   *regexp.Regexp // anchored at the start
}

// newPrefixMatcher returns the matcher of re, or nil when re does not
// start with case-sensitive literal text followed by a rest it can cut.
func newPrefixMatcher(re *regexp.Regexp) *prefixMatcher {
	t, err := syntax.Parse(re.String(), syntax.Perl)
	if err != nil || t.Op != syntax.OpConcat || len(t.Sub) < 2 {
		return nil
	}
	lit := t.Sub[0]
	if lit.Op != syntax.OpLiteral || lit.Flags&syntax.FoldCase != 0 || len(lit.Rune) == 0 ||
		slices.Contains(lit.Rune, utf8.RuneError) { // the regexp reads a bad byte as one
		return nil
	}
	tail := &syntax.Regexp{Op: syntax.OpConcat, Flags: t.Flags, Sub: t.Sub[1:]}
	if len(tail.Sub) == 1 {
		tail = tail.Sub[0]
	}
	if looksBehind(tail) {
		return nil
	}
	rest, err := regexp.Compile(`^(?:` + tail.String() + `)`)
	if err != nil || rest.NumSubexp() != re.NumSubexp() || !sameNames(rest, re) {
		return nil
	}
	return &prefixMatcher{prefix: string(lit.Rune), rest: rest}
}

// looksBehind reports whether t has an assertion about what comes before
// a position: the start of the text or a line, a word boundary.
func looksBehind(t *syntax.Regexp) bool {
	switch t.Op {
	case syntax.OpBeginLine, syntax.OpBeginText, syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return true
	}
	for _, s := range t.Sub {
		if looksBehind(s) {
			return true
		}
	}
	return false
}

func sameNames(a, b *regexp.Regexp) bool {
	x, y := a.SubexpNames(), b.SubexpNames()
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if x[i] != y[i] {
			return false
		}
	}
	return true
}

// findAll is FindAllStringSubmatchIndex(t, -1) of the rule's match.
func (m *prefixMatcher) findAll(t string) [][]int {
	var out [][]int
	for at := 0; at <= len(t); {
		i := strings.Index(t[at:], m.prefix)
		if i < 0 {
			break
		}
		start := at + i
		end := start + len(m.prefix)
		loc := m.rest.FindStringSubmatchIndex(t[end:])
		if loc == nil {
			at = start + 1
			continue
		}
		for j := range loc {
			if loc[j] >= 0 {
				loc[j] += end
			}
		}
		loc[0] = start
		out = append(out, loc)
		at = loc[1]
	}
	return out
}

// findAll returns every match of r in t, as FindAllStringSubmatchIndex.
func (r *Rule) findAll(t string) [][]int {
	if r.prefix != nil {
		return r.prefix.findAll(t)
	}
	return r.re.FindAllStringSubmatchIndex(t, -1)
}
