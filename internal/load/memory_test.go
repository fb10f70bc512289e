package load

import (
	"runtime/debug"
	"testing"
)

// TestMemoryBudgetIsNotTheSoftLimit: a loader's budget is Options.Memory,
// never the process's soft memory limit (which the runs of a serve or
// worker process share).
func TestMemoryBudgetIsNotTheSoftLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	debug.SetMemoryLimit(1 << 30)
	for _, tc := range []struct{ memory, want int64 }{{0, 0}, {-5, 0}, {48 << 20, 48 << 20}} {
		if got := (Options{Memory: tc.memory}).MemoryBudget(); got != tc.want {
			t.Errorf("Memory %d: MemoryBudget %d, want %d", tc.memory, got, tc.want)
		}
	}
}
