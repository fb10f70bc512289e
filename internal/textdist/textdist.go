// Package textdist measures how far apart two names are, for the "did you
// mean" of configuration errors and for matching a customer's columns.
package textdist

// Distance is the optimal string alignment distance of a and b over runes:
// insertions, deletions, substitutions and swaps of neighbours cost 1.
func Distance(a, b string) int {
	return Runes([]rune(a), []rune(b))
}

// Runes is Distance over rune slices.
func Runes(ra, rb []rune) int {
	// Three rows suffice: the swap looks two rows back.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
