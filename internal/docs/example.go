package docs

import (
	"regexp/syntax"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/handover/handover/internal/format"
)

// Example returns a valid value of the field as the customer writes it in
// the template, or "" when none can be given (free text, references). The
// example is checked against the field's own rules.
func Example(f *format.Field, o Options) string {
	shown, canonical := example(f, o)
	if shown == "" {
		return ""
	}
	if _, p := f.Normalize(canonical); p != nil {
		return ""
	}
	return shown
}

// example returns the value as written and its canonical form.
func example(f *format.Field, o Options) (shown, canonical string) {
	switch f.Type {
	case format.String:
		if f.Pattern == "" {
			return "", ""
		}
		s := patternExample(f.Pattern)
		return s, s
	case format.Int:
		s := bounded(f, "42")
		return s, s
	case format.Decimal:
		s := bounded(f, decimalExample(f.Scale))
		return s, s
	case format.Bool:
		return "yes", "true"
	case format.Date:
		iso := bounded(f, "1980-12-31")
		return displayDate(iso), iso
	case format.Datetime:
		return "31.12.2024 14:30", "2024-12-31T14:30:00Z"
	case format.Email:
		return "anna.muster@example.com", "anna.muster@example.com"
	case format.Phone:
		return phoneExampleFor(o)
	case format.Country:
		return "CH", "CH"
	case format.Enum:
		return f.Values[0], f.Values[0]
	}
	return "", ""
}

// bounded returns min when def is below it, max when def is above it.
func bounded(f *format.Field, def string) string {
	if f.Min != "" {
		if _, p := f.Normalize(def); p != nil && p.Rule == "min" {
			return f.Min
		}
	}
	if f.Max != "" {
		if _, p := f.Normalize(def); p != nil && p.Rule == "max" {
			return f.Max
		}
	}
	return def
}

func decimalExample(scale int) string {
	switch {
	case scale < 0:
		return "1234.5"
	case scale == 0:
		return "1234"
	}
	return "1234." + strings.Repeat("5", min(scale, 1)) + strings.Repeat("0", scale-1)
}

func phoneExampleFor(o Options) (string, string) {
	region := o.PhoneRegion
	form := phonenumbers.NATIONAL
	if region == "" {
		region, form = "CH", phonenumbers.INTERNATIONAL
	}
	n := phonenumbers.GetExampleNumber(region)
	if n == nil {
		return "", ""
	}
	return phonenumbers.Format(n, form), phonenumbers.Format(n, phonenumbers.E164)
}

// patternExample builds a string that the pattern matches, for the simple
// patterns formats use (literals, classes, repeats, alternatives); "" when
// the pattern is more than that. Format.Normalize checks the result.
func patternExample(pattern string) string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return ""
	}
	var b strings.Builder
	if !writeExample(&b, re.Simplify(), 0) {
		return ""
	}
	return b.String()
}

func writeExample(b *strings.Builder, re *syntax.Regexp, depth int) bool {
	if depth > 20 || b.Len() > 200 {
		return false
	}
	switch re.Op {
	case syntax.OpLiteral:
		b.WriteString(string(re.Rune))
	case syntax.OpCharClass:
		b.WriteRune(classExample(re.Rune))
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte('x')
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText:
	case syntax.OpCapture:
		return writeExample(b, re.Sub[0], depth+1)
	case syntax.OpConcat:
		for _, s := range re.Sub {
			if !writeExample(b, s, depth+1) {
				return false
			}
		}
	case syntax.OpAlternate:
		return writeExample(b, re.Sub[0], depth+1)
	case syntax.OpPlus:
		return writeExample(b, re.Sub[0], depth+1)
	case syntax.OpStar, syntax.OpQuest:
	case syntax.OpRepeat:
		for i := 0; i < re.Min; i++ {
			if !writeExample(b, re.Sub[0], depth+1) {
				return false
			}
		}
	default:
		return false
	}
	return true
}

// classExample picks a friendly member of a character class: a digit 1 to
// 9, a letter, or the first member.
func classExample(ranges []rune) rune {
	for _, want := range []rune{'1', 'A', 'a'} {
		for i := 0; i+1 < len(ranges); i += 2 {
			if ranges[i] <= want && want <= ranges[i+1] {
				return want
			}
		}
	}
	if len(ranges) == 0 {
		return 'x'
	}
	return ranges[0]
}
