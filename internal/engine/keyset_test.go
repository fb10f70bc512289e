package engine

import (
	"fmt"
	"strings"
	"testing"
)

func TestKeySetAgreesWithAMap(t *testing.T) {
	k := newKeySet()
	want := map[string]int32{}
	for i := range 50_000 {
		key := fmt.Sprintf("K%d", i*7%30_011) // repeats, so some puts are refused
		if i%97 == 0 {
			key = "" // the empty string is a key like any other
		}
		_, had := want[key]
		if k.put(key, int32(i+1)) == had {
			t.Fatalf("put(%q) after %d keys: reported new=%v, had=%v", key, k.len(), !had, had)
		}
		if !had {
			want[key] = int32(i + 1)
		}
	}
	if k.len() != len(want) {
		t.Fatalf("len %d, want %d", k.len(), len(want))
	}
	for key, line := range want {
		if got, ok := k.get(key); !ok || got != line {
			t.Fatalf("get(%q) = %d, %v; want %d", key, got, ok, line)
		}
	}
	if _, ok := k.get("absent"); ok {
		t.Fatal("get of an absent key succeeded")
	}
	// A key longer than a chunk is stored on its own and found again.
	long := strings.Repeat("x", chunkBytes+5)
	if !k.put(long, 7) || k.put(long, 8) {
		t.Fatal("a long key was not stored once")
	}
	if got, ok := k.get(long); !ok || got != 7 {
		t.Fatalf("get(long) = %d, %v", got, ok)
	}
	if got, ok := k.get("K5"); !ok || got != want["K5"] {
		t.Fatalf("after the long key, get(K5) = %d, %v", got, ok)
	}
}

func BenchmarkKeySetMemory(b *testing.B) {
	for range b.N {
		k := newKeySet()
		for i := range 1_000_000 {
			k.put(fmt.Sprintf("C%07d", i), int32(i))
		}
		bytes := 4*cap(k.slots) + len(k.locs)*blockLen*(8+4)
		for _, c := range k.chunks {
			bytes += cap(c)
		}
		b.ReportMetric(float64(bytes)/1e6, "bytes/key")
	}
}
