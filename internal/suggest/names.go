package suggest

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/handover/handover/internal/textdist"
)

// name is a column or field name prepared for comparison.
type name struct {
	tokens []string // lower-case words without accents: "Date de naissance" → date de naissance
	joined string   // the tokens run together: datedenaissance
}

// newName splits a name into words at separators, case changes (camelCase)
// and letter/digit changes, lower-cased and without accents.
func newName(s string) name {
	var tokens []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			tokens = append(tokens, string(cur))
			cur = cur[:0]
		}
	}
	prev := rune(0)
	for _, r := range fold(s) {
		switch {
		case !unicode.IsLetter(r) && !unicode.IsDigit(r):
			flush()
		case len(cur) > 0 && (unicode.IsUpper(r) && unicode.IsLower(prev) || unicode.IsDigit(r) != unicode.IsDigit(prev)):
			flush()
			cur = append(cur, unicode.ToLower(r))
		default:
			cur = append(cur, unicode.ToLower(r))
		}
		prev = r
	}
	flush()
	return name{tokens: tokens, joined: strings.Join(tokens, "")}
}

// fold removes accents and spells out the letters that have no accent to
// remove: "Größe" → "Grosse", "Prénom" → "Prenom".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ß':
			b.WriteString("ss")
		case r == 'æ' || r == 'Æ':
			b.WriteString("ae")
		case r == 'ø' || r == 'Ø':
			b.WriteByte('o')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// weakTokens identify a column only together with other words.
func weakTokens() map[string]bool {
	return map[string]bool{"id": true, "nr": true, "no": true, "num": true, "number": true, "nummer": true,
		"numero": true, "code": true, "key": true, "ref": true, "n": true}
}

// nameScore says how well a column name fits one candidate name of a
// field (a synonym): 1 for the same name; less when the column's words
// contain the candidate's, when one starts with the other, or when they are
// spelt alike. It returns the score and how the names relate.
func nameScore(col, cand name, weak map[string]bool) (float64, string) {
	switch {
	case col.joined == "" || cand.joined == "":
		return 0, ""
	case col.joined == cand.joined:
		return 1, "same name"
	}
	if containsTokens(col.tokens, cand.tokens) {
		if len(cand.tokens) == 1 && weak[cand.tokens[0]] {
			return 0.55, "contains the word " + cand.joined
		}
		return 0.8, "contains " + strings.Join(cand.tokens, " ")
	}
	if len(cand.joined) >= 4 && len(col.joined) >= 4 &&
		(strings.HasPrefix(col.joined, cand.joined) || strings.HasPrefix(cand.joined, col.joined)) {
		return 0.7, "starts like " + cand.joined
	}
	if sim := similarity(col.joined, cand.joined); sim >= 0.75 {
		return 0.85 * sim, "spelt like " + cand.joined
	}
	return 0, ""
}

// containsTokens reports whether every word of sub is among words.
func containsTokens(words, sub []string) bool {
	for _, s := range sub {
		found := false
		for _, w := range words {
			if w == s {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// similarity is 1 - edit distance / length of the longer string.
func similarity(a, b string) float64 {
	ra, rb := []rune(a), []rune(b)
	n := max(len(ra), len(rb))
	if n == 0 {
		return 1
	}
	return 1 - float64(textdist.Runes(ra, rb))/float64(n)
}
