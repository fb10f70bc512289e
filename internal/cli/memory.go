package cli

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// The memory budget of the commands that run rows (--memory, HANDOVER_MEMORY).
const (
	defaultMemory = 256 << 20 // 256 MiB
	minMemory     = 16 << 20  // below this the collector would run without pause
	memoryEnv     = "HANDOVER_MEMORY"
	// runsRows marks a command whose work grows with the rows: the memory
	// limit is applied before it starts.
	runsRows = "handover/runs-rows"
)

// memoryUnits are the suffixes of a size, longest first: KB, MB, GB are
// decimal, KiB, MiB, GiB binary, B (or none) bytes.
var memoryUnits = []struct {
	suffix string
	factor int64
}{
	{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"B", 1},
}

// parseMemory reads a size like "256MB", "1GiB", "512 MiB" or "300000000"
// (bytes). A fraction is allowed with a unit ("1.5GiB"). The result is at
// least 16 MiB.
func parseMemory(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	factor := int64(1)
	for _, u := range memoryUnits {
		if strings.HasSuffix(t, u.suffix) {
			factor, t = u.factor, strings.TrimSpace(strings.TrimSuffix(t, u.suffix))
			break
		}
	}
	if t == "" || strings.ContainsAny(t, "+-EX_") {
		return 0, fmt.Errorf("%q is not a size: want a number with a unit, like 256MB, 512MiB or 1GiB", s)
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
		return 0, fmt.Errorf("%q is not a size: want a number with a unit, like 256MB, 512MiB or 1GiB", s)
	}
	b := n * float64(factor)
	if b > math.MaxInt64/2 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if b < minMemory {
		return 0, fmt.Errorf("%q is too small: at least 16MiB", s)
	}
	return int64(b), nil
}

// memoryLimit is the budget of --memory, else $HANDOVER_MEMORY, else
// 256 MiB; a bad value is a usage error naming where it came from.
func (a *app) memoryLimit() (int64, error) {
	v, from := a.memory, "--memory"
	if v == "" {
		v, from = a.getenv(memoryEnv), memoryEnv
	}
	if v == "" {
		return defaultMemory, nil
	}
	n, err := parseMemory(v)
	if err != nil {
		return 0, usageErr("%s: %w", from, err)
	}
	return n, nil
}

// applyMemoryLimit sets the Go runtime's soft memory limit before a command
// that runs rows: the collector works harder near the budget instead of
// letting the heap double past it. The same figure is what the process's
// runs may hold together: each run gets its share as its own budget
// (runMemory; its key indexes spill to disk past parts of it).
func (a *app) applyMemoryLimit(cmd *cobra.Command) error {
	if !cmdRunsRows(cmd) {
		return nil
	}
	n, err := a.memoryLimit()
	if err != nil {
		return err
	}
	a.budget = goLimit(n)
	debug.SetMemoryLimit(a.budget)
	return nil
}

// runMemory is each run's memory budget: the process's, divided by the
// runs it executes at once; 0 for a command that runs no rows.
func (a *app) runMemory() int64 { return a.budget / int64(max(a.runs, 1)) }

// shareMemory divides the process's budget between the runs it executes
// at once (serve --workers, worker --concurrency: over all the migrations
// it serves, jobs.Slots) and says what each gets, and when that is small.
func (a *app) shareMemory(runs int, say func(string)) {
	a.runs = max(runs, 1)
	if a.budget == 0 {
		return
	}
	msg := fmt.Sprintf("memory: %s for %d run(s) at once, %s each",
		formatMemory(a.budget), a.runs, formatMemory(a.runMemory()))
	if a.runMemory() < minMemory {
		msg += "; below 16MiB a run's key indexes spill to disk early: raise --memory or lower the runs at once"
	}
	say(msg)
}

// formatMemory prints a size in MiB (one decimal).
func formatMemory(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + "MiB"
}

// goLimit is the part of a budget the Go runtime may use: the rest is for
// what it does not count — the program's code and data as mapped from the
// executable, and the SQLite driver's own allocations — so that the whole
// process (its peak RSS) stays within the budget.
func goLimit(budget int64) int64 {
	return budget - min(budget*3/16, 64<<20)
}

// cmdRunsRows reports whether cmd or one of its parents is marked runsRows.
func cmdRunsRows(cmd *cobra.Command) bool {
	for c := cmd; c != nil; c = c.Parent() {
		if c.Annotations[runsRows] != "" {
			return true
		}
	}
	return false
}

// markRunsRows marks cmd as a command whose work grows with the rows.
func markRunsRows(cmd *cobra.Command) *cobra.Command {
	if cmd.Annotations == nil {
		cmd.Annotations = map[string]string{}
	}
	cmd.Annotations[runsRows] = "true"
	return cmd
}
