package value

import (
	"strings"
	"unicode"

	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// countryIndex maps folded names and codes to alpha-2 codes. It is built
// once from the tables in country_data.go and only read afterwards.
var countryIndex = buildCountryIndex()

func buildCountryIndex() map[string]string {
	idx := map[string]string{}
	for _, code := range strings.Fields(isoCountries) {
		idx[code] = code
	}
	for code, names := range countryNames {
		for _, n := range strings.Split(names, "|") {
			idx[foldName(n)] = code
		}
	}
	return idx
}

// Country returns the ISO 3166-1 alpha-2 code (upper case) of a country
// given by its alpha-2 or alpha-3 code or by its name in English, German,
// French or Italian ("CH", "che", "Schweiz", "Suisse", "Svizzera",
// "Switzerland" → "CH"). Case, accents, dots, hyphens and apostrophes do
// not matter. Errors are *Error with Rule "country".
func Country(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if code, ok := countryCode(s); ok {
		return code, nil
	}
	if code, ok := countryIndex[foldName(s)]; ok {
		return code, nil
	}
	return "", fail("country", s, "is not a known country")
}

// countryCode recognises an alpha-2 or alpha-3 code in any case.
func countryCode(s string) (string, bool) {
	if len(s) != 2 && len(s) != 3 || !asciiLetters(s) {
		return "", false
	}
	up := strings.ToUpper(s)
	if len(up) == 2 {
		code, ok := countryIndex[up]
		return code, ok && code == up
	}
	r, err := language.ParseRegion(up)
	if err != nil {
		return "", false
	}
	code := r.Canonicalize().String()
	if c, ok := countryIndex[code]; !ok || c != code {
		return "", false
	}
	return code, true
}

func asciiLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// foldName lower-cases a name, removes accents, dots and apostrophes, and
// turns hyphens and other punctuation into single spaces:
// "Côte d'Ivoire" → "cote divoire", "U.S.A." → "usa".
func foldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	if !isASCII(s) {
		s = norm.NFD.String(s)
	}
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r), r == '.', r == '\'', r == '’':
			continue
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteString(foldLetter(unicode.ToLower(r)))
		default:
			space = true
		}
	}
	return b.String()
}

// foldLetter spells letters that do not decompose into a base letter and
// an accent.
func foldLetter(r rune) string {
	switch r {
	case 'ß':
		return "ss"
	case 'æ':
		return "ae"
	case 'œ':
		return "oe"
	case 'ø':
		return "o"
	case 'đ':
		return "d"
	case 'ł':
		return "l"
	}
	return string(r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
