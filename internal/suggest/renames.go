package suggest

import "sort"

// Renames pairs columns a file was expected to have but lacks (missing)
// with columns it has that nothing expects (extra) whose names are alike —
// case, accents and separators ignored, then by edit distance — best pairs
// first: missing name → the extra column that is probably it.
func Renames(missing, extra []string) map[string]string {
	type cand struct {
		i, j  int
		score float64
	}
	var cands []cand
	for i, m := range missing {
		mn := newName(m).joined
		for j, e := range extra {
			if s := similarity(mn, newName(e).joined); s >= renameMin {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	out := map[string]string{}
	used := map[int]bool{}
	for _, c := range cands {
		if _, ok := out[missing[c.i]]; !ok && !used[c.j] {
			out[missing[c.i]], used[c.j] = extra[c.j], true
		}
	}
	return out
}
