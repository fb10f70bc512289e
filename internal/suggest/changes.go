package suggest

import (
	"fmt"
	"sort"
	"strconv"
)

// Kinds of column change.
const (
	ColumnAdded   = "added"
	ColumnRemoved = "removed"
	ColumnRenamed = "renamed"
	ColumnMoved   = "moved"
)

// Change is one difference between the header of a file in an earlier
// delivery and in a later one. Positions are 1-based; 0 where there is
// none (an added column has no old position, a removed one no new one).
type Change struct {
	Kind   string `json:"kind"`
	Column string `json:"column"`         // the name in the later delivery; the old name when removed
	From   string `json:"from,omitempty"` // renamed: the earlier name
	OldPos int    `json:"old_position,omitempty"`
	NewPos int    `json:"new_position,omitempty"`
}

// String says what changed, for a warning: `column "EMail" was renamed to
// "E-Mail" (column 12)`.
func (c Change) String() string {
	q := strconv.Quote
	switch c.Kind {
	case ColumnRenamed:
		return fmt.Sprintf("column %s was renamed to %s (column %d)", q(c.From), q(c.Column), c.NewPos)
	case ColumnRemoved:
		return fmt.Sprintf("column %s (column %d) is missing", q(c.Column), c.OldPos)
	case ColumnAdded:
		return fmt.Sprintf("new column %s (column %d)", q(c.Column), c.NewPos)
	}
	return fmt.Sprintf("column %s moved from column %d to column %d", q(c.Column), c.OldPos, c.NewPos)
}

// renameMin is the least name similarity that pairs a vanished column with
// a new one at another position as a rename; at the same position any
// pair is a rename.
const renameMin = 0.6

// ColumnChanges compares the columns of the same file in two deliveries:
// columns that were added or removed, renamed (a vanished and a new column
// with similar names — case, accents and separators ignored — or at the
// same position) and moved (the fewest columns whose order changed against
// the others). Nil when the headers are equal. Changes come renamed,
// removed, added, moved, each by position.
func ColumnChanges(prev, next []string) []Change {
	oldPos := map[string][]int{}
	for i, c := range prev {
		oldPos[c] = append(oldPos[c], i)
	}
	pairs := map[int]int{} // new index → old index
	var added []int
	for j, c := range next {
		if ps := oldPos[c]; len(ps) > 0 {
			pairs[j], oldPos[c] = ps[0], ps[1:]
		} else {
			added = append(added, j)
		}
	}
	var removed []int
	for i, c := range prev {
		if ps := oldPos[c]; len(ps) > 0 && ps[0] == i {
			removed = append(removed, i)
			oldPos[c] = ps[1:]
		}
	}
	var out []Change
	renamed := pairRenames(prev, next, removed, added)
	for j, i := range renamed {
		pairs[j] = i
		out = append(out, Change{Kind: ColumnRenamed, Column: next[j], From: prev[i], OldPos: i + 1, NewPos: j + 1})
	}
	for _, i := range removed {
		if !containsValue(renamed, i) {
			out = append(out, Change{Kind: ColumnRemoved, Column: prev[i], OldPos: i + 1})
		}
	}
	for _, j := range added {
		if _, ok := renamed[j]; !ok {
			out = append(out, Change{Kind: ColumnAdded, Column: next[j], NewPos: j + 1})
		}
	}
	for _, j := range moved(pairs, len(next)) {
		if _, ok := renamed[j]; ok {
			continue // a rename already gives both positions
		}
		out = append(out, Change{Kind: ColumnMoved, Column: next[j], OldPos: pairs[j] + 1, NewPos: j + 1})
	}
	sortChanges(out)
	return out
}

// pairRenames pairs vanished with new columns, best pairs first: similar
// names, or the same position.
func pairRenames(prev, next []string, removed, added []int) map[int]int {
	type cand struct {
		i, j  int
		score float64
	}
	var cands []cand
	for _, i := range removed {
		for _, j := range added {
			s := similarity(newName(prev[i]).joined, newName(next[j]).joined)
			if i == j {
				s += renameMin // the same position alone makes a rename
			}
			if s >= renameMin {
				cands = append(cands, cand{i, j, s})
			}
		}
	}
	sort.SliceStable(cands, func(a, b int) bool { return cands[a].score > cands[b].score })
	out := map[int]int{}
	usedOld := map[int]bool{}
	for _, c := range cands {
		if _, ok := out[c.j]; !ok && !usedOld[c.i] {
			out[c.j], usedOld[c.i] = c.i, true
		}
	}
	return out
}

// moved returns the new indexes of the columns outside a longest run that
// kept its relative order: the fewest columns that moved.
func moved(pairs map[int]int, n int) []int {
	var js []int
	for j := 0; j < n; j++ {
		if _, ok := pairs[j]; ok {
			js = append(js, j)
		}
	}
	// longest increasing subsequence of old positions, in O(n²): headers are short
	length := make([]int, len(js))
	prevIdx := make([]int, len(js))
	best := -1
	for a := range js {
		length[a], prevIdx[a] = 1, -1
		for b := 0; b < a; b++ {
			if pairs[js[b]] < pairs[js[a]] && length[b]+1 > length[a] {
				length[a], prevIdx[a] = length[b]+1, b
			}
		}
		if best < 0 || length[a] > length[best] {
			best = a
		}
	}
	keep := map[int]bool{}
	for a := best; a >= 0; a = prevIdx[a] {
		keep[js[a]] = true
	}
	var out []int
	for _, j := range js {
		if !keep[j] {
			out = append(out, j)
		}
	}
	return out
}

func containsValue(m map[int]int, v int) bool {
	for _, x := range m {
		if x == v {
			return true
		}
	}
	return false
}

func sortChanges(cs []Change) {
	rank := map[string]int{ColumnRenamed: 0, ColumnRemoved: 1, ColumnAdded: 2, ColumnMoved: 3}
	pos := func(c Change) int {
		if c.NewPos > 0 {
			return c.NewPos
		}
		return c.OldPos
	}
	sort.SliceStable(cs, func(a, b int) bool {
		if rank[cs[a].Kind] != rank[cs[b].Kind] {
			return rank[cs[a].Kind] < rank[cs[b].Kind]
		}
		return pos(cs[a]) < pos(cs[b])
	})
}
