package engine

import (
	"math"
	"runtime/debug"
	"testing"
)

// TestRunBudgetIsNotTheSoftLimit: a run's budget is its Options.Memory
// and nothing else — the process's soft memory limit is shared by every
// run a serve or worker process executes at once, so a run that took it
// for its own would plan for all of it.
func TestRunBudgetIsNotTheSoftLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	debug.SetMemoryLimit(1 << 30)
	for _, tc := range []struct{ memory, limit int64 }{
		{0, math.MaxInt64},
		{-1, math.MaxInt64},
		{64 << 20, 64 << 20 / stateShare},
	} {
		st, err := newRunState(memoryBudget(tc.memory))
		if err != nil {
			t.Fatal(err)
		}
		if st.budget.limit != tc.limit {
			t.Errorf("Memory %d: the key indexes' limit is %d, want %d", tc.memory, st.budget.limit, tc.limit)
		}
	}
}
