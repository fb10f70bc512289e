package fixup

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"unicode"
)

// pgMaxRepeat is the largest bound a PostgreSQL regular expression allows
// in {m,n} (RE_DUP_MAX).
const pgMaxRepeat = 255

// PostgresPattern translates the rule's match into a PostgreSQL advanced
// regular expression that matches at least every text the Go expression
// matches — a prefilter for the ~ operator, not a replacement: the Go
// expression decides. Where the dialects differ the translation only
// widens (an anchor or word boundary it cannot express is dropped, a
// bound above PostgreSQL's limit is opened). ok is false when no safe
// translation is known; the caller then scans without it.
func (r *Rule) PostgresPattern() (string, bool) {
	return postgresPattern(r.Match)
}

func postgresPattern(pattern string) (string, bool) {
	t, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	if !toARE(&b, t) {
		return "", false
	}
	return b.String(), true
}

// toARE writes t as an ARE; it reports false for what it cannot express.
func toARE(b *strings.Builder, t *syntax.Regexp) bool {
	switch t.Op {
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		// Zero-width: dropping an assertion only widens.
		return true
	case syntax.OpBeginText:
		b.WriteString("^")
	case syntax.OpEndText:
		b.WriteString("$")
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteString(".") // matches a newline too in PostgreSQL: wider
	case syntax.OpLiteral:
		for _, r := range t.Rune {
			writeLiteral(b, r, t.Flags&syntax.FoldCase != 0)
		}
	case syntax.OpCharClass:
		return writeClass(b, t.Rune)
	case syntax.OpCapture:
		return group(b, t.Sub[0], "")
	case syntax.OpStar:
		return group(b, t.Sub[0], "*")
	case syntax.OpPlus:
		return group(b, t.Sub[0], "+")
	case syntax.OpQuest:
		return group(b, t.Sub[0], "?")
	case syntax.OpRepeat:
		return group(b, t.Sub[0], repeatBound(t.Min, t.Max))
	case syntax.OpConcat:
		for _, s := range t.Sub {
			if !toARE(b, s) {
				return false
			}
		}
	case syntax.OpAlternate:
		b.WriteString("(?:")
		for i, s := range t.Sub {
			if i > 0 {
				b.WriteString("|")
			}
			if !toARE(b, s) {
				return false
			}
		}
		b.WriteString(")")
	default:
		return false
	}
	return true
}

// group writes (?:sub) followed by a quantifier; greediness is left out,
// it changes where a match ends, never whether there is one.
func group(b *strings.Builder, sub *syntax.Regexp, quant string) bool {
	b.WriteString("(?:")
	if !toARE(b, sub) {
		return false
	}
	b.WriteString(")" + quant)
	return true
}

// repeatBound writes {min,max} within PostgreSQL's limit, widening a
// bound above it: {300} becomes {255,}.
func repeatBound(lo, hi int) string {
	switch {
	case lo > pgMaxRepeat:
		return fmt.Sprintf("{%d,}", pgMaxRepeat)
	case hi < 0 || hi > pgMaxRepeat:
		return fmt.Sprintf("{%d,}", lo)
	case lo == hi:
		return fmt.Sprintf("{%d}", lo)
	}
	return fmt.Sprintf("{%d,%d}", lo, hi)
}

// writeLiteral writes one rune: alphanumerics as they are, ASCII
// punctuation escaped, everything else as a \u or \U escape; a case-folded
// rune as the bracket of its case variants.
func writeLiteral(b *strings.Builder, r rune, fold bool) {
	if fold {
		variants := []rune{r}
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			variants = append(variants, f)
		}
		if len(variants) > 1 {
			b.WriteString("[")
			for _, v := range variants {
				writeRune(b, v)
			}
			b.WriteString("]")
			return
		}
	}
	writeRune(b, r)
}

func writeRune(b *strings.Builder, r rune) {
	switch {
	case r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		b.WriteRune(r)
	case r > 0x20 && r < 0x7f:
		b.WriteByte('\\')
		b.WriteRune(r)
	case r <= 0xffff:
		fmt.Fprintf(b, `\u%04X`, r)
	default:
		fmt.Fprintf(b, `\U%08X`, r)
	}
}

// writeClass writes a bracket expression of the (lo, hi) rune pairs.
// NUL and the surrogates cannot occur in PostgreSQL text and are left out.
func writeClass(b *strings.Builder, pairs []rune) bool {
	var out []rune
	for i := 0; i+1 < len(pairs); i += 2 {
		lo, hi := max(pairs[i], 1), pairs[i+1]
		if lo <= 0xdfff && hi >= 0xd800 { // split around the surrogates
			if lo < 0xd800 {
				out = append(out, lo, 0xd7ff)
			}
			lo = max(lo, 0xe000)
		}
		if lo <= hi {
			out = append(out, lo, hi)
		}
	}
	if len(out) == 0 {
		return false
	}
	b.WriteString("[")
	for i := 0; i < len(out); i += 2 {
		writeRune(b, out[i])
		if out[i+1] != out[i] {
			b.WriteString("-")
			writeRune(b, out[i+1])
		}
	}
	b.WriteString("]")
	return true
}
