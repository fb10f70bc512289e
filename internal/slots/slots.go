// Package slots sizes and walks the open-addressing tables (linear
// probing) of handover's flat indexes: the bookkeeping's key index and the
// delta path's skip index. A table is sized for its entries, not to a
// power of two: at a million entries the next power of two above twice
// the entries is 2,097,152 slots, so a table sized so was half empty and
// the skip and bookkeeping indexes of a 1 % delta of 1M contacts held
// about 15 MB of empty slots, in a run whose collector had 5 MB of room
// under the memory budget (docs/BENCHMARKS.md section 22).
package slots

// For is how many slots a table of n entries gets: half as many again,
// so that at most two thirds are used, and at least 1024.
func For(n int) int { return max(1024, n+(n+1)/2) }

// Home is the first slot of hash h in a table of n slots (n < 2³²): the
// hash's low 32 bits scaled to n, by a multiplication and a shift, so
// that any n will do. Its high 32 bits are left for a tag the table may
// keep in its slots.
func Home(h uint64, n int) int { return int(uint64(uint32(h)) * uint64(n) >> 32) }

// Next is the slot after s in a table of n slots, wrapping at the end.
func Next(s, n int) int {
	if s++; s == n {
		return 0
	}
	return s
}
