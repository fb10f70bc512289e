package app

import (
	"context"
	"runtime/debug"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
)

// TestRunMemoryReachesTheLoader: each run's environment is opened with
// Config.Memory as its budget — the share of the process's budget a front
// end computed for one run — and never with the process's soft memory
// limit, which every run of a serve or worker process shares.
func TestRunMemoryReachesTheLoader(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	debug.SetMemoryLimit(1 << 30) // the process's; a run must not take it for its own

	for _, share := range []int64{48 << 20, 0} {
		f := newFixture(t, nil)
		f.receive(-1)
		var mu sync.Mutex
		var seen []int64
		f.svc = New(Config{Version: "test", Now: func() time.Time { return f.now }, Getenv: func(k string) string { return f.env[k] },
			Memory: share,
			OpenEnv: func(ctx context.Context, dsn string, o load.Options) (load.Target, error) {
				mu.Lock()
				seen = append(seen, o.MemoryBudget())
				mu.Unlock()
				return targets.Open(ctx, dsn, o)
			}})
		ctx := context.Background()
		if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"}); err != nil {
			t.Fatalf("import: %v", err)
		}
		if _, err := f.svc.Diff(ctx, DiffRequest{Actor: tester, Project: f.dir, Env: "dev"}); err != nil {
			t.Fatalf("diff: %v", err)
		}
		if len(seen) < 2 {
			t.Fatalf("memory %d: the environment was opened %d times, want an import's and a diff's", share, len(seen))
		}
		for _, m := range seen {
			if m != share {
				t.Errorf("memory %d: a run's environment was opened with a budget of %d (the process's soft limit is %d)", share, m, int64(1<<30))
			}
		}
	}
}
