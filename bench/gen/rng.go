package main

// rng is splitmix64: tiny, fast and the same on every platform, so a seed
// gives the same bytes everywhere. Every row gets its own rng seeded from
// (seed, stream, index), which makes a row a pure function of its index:
// the generator streams, and extraction 2 changes chosen rows without
// disturbing the others.
type rng struct{ state uint64 }

// rowRNG returns the generator of one row of one stream.
func rowRNG(seed uint64, stream uint64, i int) *rng {
	r := &rng{state: seed ^ stream*0x9e3779b97f4a7c15 ^ uint64(i)*0xbf58476d1ce4e5b9}
	r.next()
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool {
	return float64(r.next()>>11)/float64(1<<53) < p
}

// pick returns one of the items.
func pick[T any](r *rng, items []T) T { return items[r.intn(len(items))] }

// streams keep the per-row generators of different decisions apart.
const (
	streamContact uint64 = iota + 1
	streamContactBad
	streamStructure
	streamStructureBad
	streamChange
	streamFile
	streamSale
	streamSaleBad
)
