package core

import (
	"context"
	"testing"
)

// keysBackend counts what fixupKeys asks of a backend.
type keysBackend struct {
	FixupBackend
	size            int
	lookups, wholes int
}

func (k *keysBackend) FixupLookup(context.Context, string, []string) (map[string]int64, error) {
	k.lookups++
	return map[string]int64{}, nil
}

func (k *keysBackend) FixupAllKeys(context.Context, string) (map[string]int64, error) {
	k.wholes++
	return map[string]int64{"x": 1}, nil
}

func (k *keysBackend) FixupKeyCount(context.Context, string) (int, error) { return k.size, nil }

func TestFixupKeysChoosesTheWholeMap(t *testing.T) {
	cases := []struct {
		name            string
		size            int     // keys of the entity
		perChunk        int     // keys asked per chunk
		share           float64 // of the table scanned per chunk
		chunks          int
		lookups, wholes int
	}{
		{"few links in a large entity: lookups only", 1_000_000, 4096, 0.4, 2, 2, 0},
		{"many links: the whole map once, at once", 1_000_000, 4096, 0.04, 25, 0, 1},
		{"a small entity: the whole map", 10_000, 4096, 0.5, 2, 0, 1},
		{"a handful of keys: lookups, no count", 100, 10, 0.01, 50, 50, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := &keysBackend{size: c.size}
			k := &fixupKeys{b: b, asked: map[string]int{}, size: map[string]int{}, all: map[string]map[string]int64{}}
			keys := make([]string, c.perChunk)
			for i := range c.chunks {
				k.done = min(1, float64(i+1)*c.share)
				if _, err := k.resolve(context.Background(), "contacts", keys); err != nil {
					t.Fatal(err)
				}
			}
			if b.lookups != c.lookups || b.wholes != c.wholes {
				t.Errorf("lookups %d, whole maps %d; want %d, %d", b.lookups, b.wholes, c.lookups, c.wholes)
			}
		})
	}
}
