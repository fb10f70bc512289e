package value

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words for true and false in English, German, French and Italian, and the
// marks spreadsheets use for a ticked box. Compared case-insensitively.
var (
	trueWords  = []string{"true", "1", "yes", "y", "ja", "j", "oui", "si", "sì", "x", "on", "wahr", "vrai", "vero", "t"}
	falseWords = []string{"false", "0", "no", "n", "nein", "non", "off", "falsch", "faux", "falso", "f"}
)

// Bool returns "true" or "false" for a yes/no word (true/false, 1/0,
// yes/no, ja/nein, oui/non, si/no, x, on/off, …; any case). Errors are
// *Error with Rule "bool".
func Bool(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	for _, w := range trueWords {
		if strings.EqualFold(s, w) {
			return "true", nil
		}
	}
	for _, w := range falseWords {
		if strings.EqualFold(s, w) {
			return "false", nil
		}
	}
	return "", fail("bool", s, "is not yes or no")
}

// Email checks the syntax of an e-mail address (local@domain.tld: one @,
// no spaces, a domain of dot-separated labels with a top-level domain of
// two or more letters) and returns it with the domain lower-cased; the
// local part is kept as given. Errors are *Error with Rule "email".
func Email(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || len(s) > 254 || !validLocal(local) || !validDomain(domain) {
		return "", fail("email", s, "is not a valid e-mail address")
	}
	if lower := strings.ToLower(domain); lower != domain {
		return local + "@" + lower, nil
	}
	return s, nil // already canonical: no copy
}

// validLocal accepts the dot-atom of RFC 5322 plus non-ASCII letters.
func validLocal(s string) bool {
	if s == "" || len(s) > 64 || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for _, r := range s {
		if !(r < utf8.RuneSelf && (isAlnum(r) || strings.ContainsRune(".!#$%&'*+/=?^_`{|}~-", r)) ||
			r >= utf8.RuneSelf && unicode.IsLetter(r)) {
			return false
		}
	}
	return true
}

// validDomain accepts labels of letters, digits and inner hyphens, at least
// two of them, the last one letters only and at least two long.
func validDomain(s string) bool {
	if !strings.Contains(s, ".") || len(s) > 253 {
		return false
	}
	for rest, more := s, true; more; {
		var l string
		l, rest, more = strings.Cut(rest, ".")
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(isAlnum(r) || r == '-' || r >= utf8.RuneSelf && unicode.IsLetter(r)) {
				return false
			}
		}
	}
	tld := s[strings.LastIndexByte(s, '.')+1:]
	if strings.HasPrefix(tld, "xn--") {
		return true // an internationalised top-level domain in punycode
	}
	if utf8.RuneCountInString(tld) < 2 {
		return false
	}
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}
