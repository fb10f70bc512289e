package engine

import (
	"fmt"
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
}

func BenchmarkKeySetMemory(b *testing.B) {
	for range b.N {
		k := newKeySet()
		for i := range 1_000_000 {
			k.put(fmt.Sprintf("C%07d", i), int32(i))
		}
		bytes := cap(k.data) + 4*cap(k.ends) + 4*cap(k.lines) + 4*cap(k.slots)
		b.ReportMetric(float64(bytes)/1e6, "bytes/key")
	}
}
