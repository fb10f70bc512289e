package value

import (
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// numberLocale says which characters a locale writes as thousands
// separators and as decimal point.
type numberLocale struct {
	groups   string
	decimals string
}

const spaces = " \u00a0\u202f\u2009" // space, no-break space, narrow no-break space, thin space

// numberLocales are the locales ParseNumber knows. fr-CH accepts both the
// comma and the point as decimal separator, as Swiss French data mixes them.
var numberLocales = map[string]numberLocale{
	"de-CH": {groups: "'’" + spaces, decimals: "."},
	"it-CH": {groups: "'’" + spaces, decimals: "."},
	"fr-CH": {groups: "'’" + spaces, decimals: ",."},
	"de-DE": {groups: "." + spaces, decimals: ","},
	"de-AT": {groups: "." + spaces, decimals: ","},
	"fr-FR": {groups: spaces, decimals: ","},
	"it-IT": {groups: "." + spaces, decimals: ","},
	"en-US": {groups: ",", decimals: "."},
	"en-GB": {groups: ",", decimals: "."},
}

// NumberLocales lists the locales ParseNumber accepts, sorted.
func NumberLocales() []string {
	names := make([]string, 0, len(numberLocales))
	for n := range numberLocales {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// CheckLocale returns a configuration error for a locale ParseNumber does
// not know.
func CheckLocale(locale string) error {
	if _, ok := numberLocales[locale]; !ok {
		return fmt.Errorf("unknown number locale %q (known: %s)", locale, strings.Join(NumberLocales(), ", "))
	}
	return nil
}

// ParseNumber reads a number written the way locale writes it (de-CH
// 1'234.50, de-DE 1.234,50, fr-CH 1 234,50, en-US 1,234.50) and returns its
// canonical decimal text: optional '-', digits without leading zeros, '.'
// and the fraction digits as given ("1234.50"). Thousands separators must
// separate groups of three digits; a sign may only lead. An unknown locale
// is a configuration error; anything else that is not a number is an *Error
// with Rule "number".
func ParseNumber(s, locale string) (string, error) {
	loc, ok := numberLocales[locale]
	if !ok {
		return "", CheckLocale(locale)
	}
	if s == "" {
		return "", nil
	}
	neg, body := cutSign(s)
	intPart, frac, ok := splitNumber(body, loc)
	if !ok {
		return "", fail("number", s, "is not a number (%s)", locale)
	}
	return canonical(neg, intPart, frac), nil
}

// cutSign removes a leading '+', '-' or '−' (U+2212).
func cutSign(s string) (neg bool, rest string) {
	switch {
	case strings.HasPrefix(s, "-"):
		return true, s[1:]
	case strings.HasPrefix(s, "−"):
		return true, s[len("−"):]
	case strings.HasPrefix(s, "+"):
		return false, s[1:]
	}
	return false, s
}

// splitNumber returns the integer digits (separators removed) and the
// fraction digits of an unsigned localised number.
func splitNumber(s string, loc numberLocale) (intPart, frac string, ok bool) {
	var buf [64]byte
	digits := buf[:0]
	group, groups, point := 0, 0, -1
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			if point < 0 {
				digits = append(digits, byte(r))
			}
			group++
		case point < 0 && strings.ContainsRune(loc.groups, r):
			if group == 0 || group > 3 || groups > 0 && group != 3 {
				return "", "", false
			}
			group, groups = 0, groups+1
		case point < 0 && strings.ContainsRune(loc.decimals, r):
			point = i + utf8.RuneLen(r)
			if !groupsEnd(group, groups) {
				return "", "", false
			}
			group = 0
		default:
			return "", "", false
		}
	}
	if groups == 0 && point < 0 {
		return s, "", group > 0 // plain digits: no copy
	}
	if point < 0 {
		return string(digits), "", groupsEnd(group, groups) && group > 0
	}
	frac = s[point:]
	return string(digits), frac, frac != "" && (len(digits) > 0 || groups == 0)
}

// groupsEnd checks the last integer group: three digits after a separator.
func groupsEnd(group, groups int) bool {
	return groups == 0 || group == 3
}

// canonical builds "-123.45" from its parts, without leading zeros and
// without the sign of a zero.
func canonical(neg bool, intPart, frac string) string {
	intPart = strings.TrimLeft(intPart, "0")
	if intPart == "" {
		intPart = "0"
	}
	neg = neg && (strings.Trim(intPart, "0") != "" || strings.Trim(frac, "0") != "")
	switch {
	case frac == "" && !neg:
		return intPart
	case frac == "":
		return "-" + intPart
	case !neg:
		return intPart + "." + frac
	}
	return "-" + intPart + "." + frac
}

// Decimal returns s, a plain decimal number ("-12.345", "+3", ".5"; no
// separators, no exponent), with exactly scale digits after the point,
// rounding half away from zero on the digits (no floating point). A
// negative scale keeps the fraction digits as given and only makes the
// text canonical. Errors are *Error with Rule "decimal".
func Decimal(s string, scale int) (string, error) {
	if s == "" {
		return "", nil
	}
	neg, intPart, frac, ok := plainDecimal(s)
	if !ok {
		return "", fail("decimal", s, "is not a decimal number")
	}
	if scale >= 0 {
		intPart, frac = round(intPart, frac, scale)
	}
	return canonical(neg, intPart, frac), nil
}

// plainDecimal splits "[+-]digits[.digits]" with at least one digit.
func plainDecimal(s string) (neg bool, intPart, frac string, ok bool) {
	neg, s = cutSign(s)
	intPart, frac, hasPoint := strings.Cut(s, ".")
	if !allDigits(intPart) || !allDigits(frac) || intPart == "" && frac == "" || hasPoint && frac == "" {
		return false, "", "", false
	}
	return neg, intPart, frac, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// round rounds intPart.frac to scale fraction digits, half away from zero.
func round(intPart, frac string, scale int) (string, string) {
	if len(frac) <= scale {
		return intPart, frac + strings.Repeat("0", scale-len(frac))
	}
	up := frac[scale] >= '5'
	digits := []byte(intPart + frac[:scale])
	for i := len(digits) - 1; up && i >= 0; i-- {
		if digits[i] == '9' {
			digits[i] = '0'
			continue
		}
		digits[i]++
		up = false
	}
	if up {
		digits = append([]byte{'1'}, digits...)
	}
	n := len(digits) - scale
	return string(digits[:n]), string(digits[n:])
}

// Int returns the canonical text of a whole number: optional '-', digits
// without leading zeros, within the 64-bit range. "12.0" is not a whole
// number. Errors are *Error with Rule "int".
func Int(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	neg, digits := cutSign(s)
	if digits == "" || !allDigits(digits) {
		return "", fail("int", s, "is not a whole number")
	}
	out := canonical(neg, digits, "")
	limit := "9223372036854775807"
	if neg {
		limit = "9223372036854775808"
	}
	if mag := strings.TrimPrefix(out, "-"); len(mag) > len(limit) || len(mag) == len(limit) && mag > limit {
		return "", fail("int", s, "is too large for a whole number")
	}
	return out, nil
}

// CompareNumbers compares two numbers in canonical form (as Int, Decimal
// and ParseNumber return them): -1 when a < b, 0 when equal, +1 when a > b.
// Text that is not canonical compares as zero.
func CompareNumbers(a, b string) int {
	an, ai, af, _ := plainDecimal(a)
	bn, bi, bf, _ := plainDecimal(b)
	if an != bn {
		if an {
			return -1
		}
		return 1
	}
	c := compareMagnitude(ai, af, bi, bf)
	if an {
		return -c
	}
	return c
}

func compareMagnitude(ai, af, bi, bf string) int {
	ai, bi = strings.TrimLeft(ai, "0"), strings.TrimLeft(bi, "0")
	if len(ai) != len(bi) {
		return sign(len(ai) - len(bi))
	}
	if c := strings.Compare(ai, bi); c != 0 {
		return c
	}
	for len(af) < len(bf) {
		af += "0"
	}
	for len(bf) < len(af) {
		bf += "0"
	}
	return strings.Compare(af, bf)
}

func sign(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}
