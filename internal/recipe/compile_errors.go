package recipe

import (
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/handover/handover/internal/textdist"
)

// maxListed is how many column names a message lists before it cuts.
const maxListed = 40

// columnList lists names for a message, cut after maxListed.
func columnList(names []string) string {
	if len(names) == 0 {
		return "(none)"
	}
	if len(names) <= maxListed {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s, … (%d more)", strings.Join(names[:maxListed], ", "), len(names)-maxListed)
}

// suggest returns ` (did you mean "X"?)` for the closest candidate, or "".
func suggest(name string, candidates []string) string {
	if best := closest(name, candidates); best != "" {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	return ""
}

// closest returns the candidate nearest to name by edit distance, ignoring
// case, when it is near enough to be a likely typo; "" otherwise.
func closest(name string, candidates []string) string {
	best, bestD := "", -1
	for _, c := range candidates {
		d := textdist.Runes(fold(name), fold(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	n := len([]rune(name))
	if bestD < 0 || bestD > max(1, n/3) {
		return ""
	}
	return best
}

func fold(s string) []rune {
	r := []rune(s)
	for i := range r {
		r[i] = unicode.ToLower(r[i])
	}
	return r
}

func sorted(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}
