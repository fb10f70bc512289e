package slots

import (
	"math/rand/v2"
	"testing"
)

// TestHome: every hash has a home in the table, the homes of random
// hashes spread over every part of it, and Next wraps.
func TestHome(t *testing.T) {
	for _, n := range []int{1024, 1500, 1 << 20, For(990_000), 1<<32 - 1} {
		if got := Home(0, n); got != 0 {
			t.Errorf("Home(0, %d) = %d", n, got)
		}
		if got := Home(^uint64(0), n); got != n-1 {
			t.Errorf("Home(max, %d) = %d, want %d", n, got, n-1)
		}
		if got := Next(n-1, n); got != 0 {
			t.Errorf("Next(%d, %d) = %d, want 0", n-1, n, got)
		}
	}
	const n, parts, draws = 1500, 10, 30_000
	var hist [parts]int
	r := rand.New(rand.NewPCG(1, 2))
	for range draws {
		s := Home(r.Uint64(), n)
		if s < 0 || s >= n {
			t.Fatalf("Home outside the table: %d of %d", s, n)
		}
		hist[s*parts/n]++
	}
	for i, c := range hist {
		if c < draws/parts*9/10 || c > draws/parts*11/10 {
			t.Errorf("part %d of the table is the home of %d of %d hashes", i, c, draws)
		}
	}
}

// TestFor: at most two thirds of the slots are used.
func TestFor(t *testing.T) {
	for _, n := range []int{0, 1, 682, 683, 1000, 990_000, 1 << 22} {
		if s := For(n); s < 1024 || 3*n > 2*s {
			t.Errorf("For(%d) = %d", n, s)
		}
	}
}
