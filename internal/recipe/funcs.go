package recipe

import (
	"errors"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/handover/handover/internal/value"
)

// param is what a function argument must be.
type param uint8

const (
	pValue param = iota // any expression; its value is used as text
	pText               // a string literal, checked when the recipe is compiled
	pInt                // an integer literal
)

// funcSpec describes one recipe function. Arguments: the params in order,
// the last opt of them optional; rest (when set) repeats the last param.
type funcSpec struct {
	name   string
	params []param
	opt    int
	rest   bool
	// prepare checks the literal arguments and stores what call needs in
	// the site; nil when there is nothing to prepare.
	prepare func(c *compiler, s *site) error
	// call computes the result from the value arguments (literals are in
	// the site). It records conversion failures with st.fail and returns "".
	call func(st *state, s *site, args []string) string
}

// site is one call of a function in a recipe, with its literal arguments
// prepared once.
type site struct {
	spec    *funcSpec
	index   int      // position in Program.sites
	texts   []string // text literals, in argument order
	ints    []int    // integer literals, in argument order
	kinds   []param  // every argument's kind, in order (for showing the call)
	re      *regexp.Regexp
	layouts []*value.Layout
	loc     *time.Location
	table   map[string]string
	phone   *value.PhoneParser
}

// funcs returns the recipe functions by name.
func funcs() map[string]*funcSpec {
	list := []*funcSpec{
		{name: "trim", params: []param{pValue}, call: text(strings.TrimSpace)},
		{name: "upper", params: []param{pValue}, call: text(strings.ToUpper)},
		{name: "lower", params: []param{pValue}, call: text(strings.ToLower)},
		{name: "title", params: []param{pValue}, call: text(title)},
		{name: "replace", params: []param{pValue, pValue, pValue}, call: callReplace},
		{name: "regex_replace", params: []param{pValue, pText, pValue}, prepare: prepRegex, call: callRegexReplace},
		{name: "split", params: []param{pValue, pText, pInt}, call: callSplit},
		{name: "concat", params: []param{pValue}, rest: true, call: callConcat},
		{name: "coalesce", params: []param{pValue}, rest: true, call: callCoalesce},
		{name: "default", params: []param{pValue, pValue}, call: callCoalesce},
		{name: "substr", params: []param{pValue, pInt, pInt}, opt: 1, prepare: prepSubstr, call: callSubstr},
		{name: "date", params: []param{pValue, pText}, rest: true, prepare: prepDate, call: callDate},
		{name: "datetime", params: []param{pValue, pText}, rest: true, prepare: prepDatetime, call: callDatetime},
		{name: "number", params: []param{pValue, pText}, prepare: prepNumber, call: callNumber},
		{name: "decimal", params: []param{pValue, pInt}, prepare: prepDecimal, call: callDecimal},
		{name: "int", params: []param{pValue}, call: convert("int", value.Int)},
		{name: "bool", params: []param{pValue}, call: convert("bool", value.Bool)},
		{name: "email", params: []param{pValue}, call: convert("email", value.Email)},
		{name: "country", params: []param{pValue}, call: callCountry},
		{name: "phone", params: []param{pValue, pText}, prepare: prepPhone, call: callPhone},
		{name: "lookup", params: []param{pText, pValue, pValue}, opt: 1, prepare: prepLookup, call: callLookup},
	}
	m := make(map[string]*funcSpec, len(list))
	for _, f := range list {
		m[f.name] = f
	}
	return m
}

// funcNames lists the recipe functions for messages, sorted.
func funcNames(m map[string]*funcSpec) []string {
	names := make([]string, 0, len(m)+1)
	for n := range m {
		names = append(names, n)
	}
	names = append(names, "col")
	sort.Strings(names)
	return names
}

// text makes a function of one text argument; empty stays empty.
func text(fn func(string) string) func(*state, *site, []string) string {
	return func(_ *state, _ *site, args []string) string {
		if args[0] == "" {
			return ""
		}
		return fn(args[0])
	}
}

// convert makes a function from a value conversion that may fail.
func convert(rule string, fn func(string) (string, error)) func(*state, *site, []string) string {
	return func(st *state, _ *site, args []string) string {
		out, err := fn(args[0])
		if err != nil {
			st.fail(rule, err)
			return ""
		}
		return out
	}
}

// title capitalises the first letter of every word and lower-cases the
// rest: "MÜLLER-LÜDENSCHEID" → "Müller-Lüdenscheid".
func title(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	inWord := false
	for _, r := range s {
		if inWord {
			b.WriteRune(unicode.ToLower(r))
		} else {
			b.WriteRune(unicode.ToTitle(r))
		}
		inWord = unicode.IsLetter(r) || unicode.IsDigit(r)
	}
	return b.String()
}

func callReplace(_ *state, _ *site, args []string) string {
	if args[0] == "" || args[1] == "" {
		return args[0]
	}
	return strings.ReplaceAll(args[0], args[1], args[2])
}

func prepRegex(c *compiler, s *site) error {
	re, err := regexp.Compile(s.texts[0])
	if err != nil {
		return err
	}
	s.re = re
	return nil
}

// callRegexReplace replaces every match; $1 or ${name} in the replacement
// refer to groups.
func callRegexReplace(_ *state, s *site, args []string) string {
	if args[0] == "" {
		return ""
	}
	return s.re.ReplaceAllString(args[0], args[1])
}

// callSplit returns part i (0-based; negative counts from the end) of the
// value split at the separator, "" when there is no such part.
func callSplit(_ *state, s *site, args []string) string {
	v, sep, i := args[0], s.texts[0], s.ints[0]
	if v == "" {
		return ""
	}
	if sep == "" {
		return v
	}
	if i < 0 {
		i += strings.Count(v, sep) + 1
		if i < 0 {
			return ""
		}
	}
	for ; i > 0; i-- {
		_, rest, ok := strings.Cut(v, sep)
		if !ok {
			return ""
		}
		v = rest
	}
	part, _, _ := strings.Cut(v, sep)
	return part
}

func callConcat(_ *state, _ *site, args []string) string {
	return strings.Join(args, "")
}

// callCoalesce returns the first non-empty argument (coalesce, default).
func callCoalesce(_ *state, _ *site, args []string) string {
	for _, a := range args {
		if a != "" {
			return a
		}
	}
	return ""
}

func prepSubstr(c *compiler, s *site) error {
	for _, n := range s.ints {
		if n < 0 {
			return errors.New("positions and lengths must not be negative")
		}
	}
	return nil
}

// callSubstr returns up to len runes from rune position from (0-based); to
// the end without len.
func callSubstr(_ *state, s *site, args []string) string {
	v, from := args[0], s.ints[0]
	for ; from > 0 && v != ""; from-- {
		_, n := utf8.DecodeRuneInString(v)
		v = v[n:]
	}
	if len(s.ints) < 2 {
		return v
	}
	end := 0
	for n := s.ints[1]; n > 0 && end < len(v); n-- {
		_, size := utf8.DecodeRuneInString(v[end:])
		end += size
	}
	return v[:end]
}
