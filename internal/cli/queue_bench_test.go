package cli

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/handover/handover/internal/testenv"
)

// Queue overhead (issue 12): a queued check of the example project against
// the same check in-process, and 100 queued checks drained by two worker
// processes against 100 in-process checks one after another. Workers are
// real processes (this test binary acting as handover), started before the
// timer; each queued figure runs from the first --queue to `wait` seeing
// the last run finished.
//
//	go test -run '^$' -bench QueueOverhead -benchtime 3x ./internal/cli
func BenchmarkQueueOverhead(b *testing.B) {
	stores := map[string]func(b *testing.B, dir string) map[string]string{
		"sqlite": func(*testing.B, string) map[string]string { return map[string]string{} },
		"postgres": func(b *testing.B, _ string) map[string]string {
			return map[string]string{"HANDOVER_STATE": testenv.FreshPostgres(b)}
		},
	}
	for _, name := range []string{"sqlite", "postgres"} {
		b.Run(name, func(b *testing.B) {
			dir := filepath.Join(b.TempDir(), "example")
			mustRunEnv(b, nil, "init", dir)
			env := stores[name](b, dir)
			mustRunEnv(b, env, "-C", dir, "receive", filepath.Join(dir, "sample"))
			var penv []string
			for k, v := range env {
				penv = append(penv, k+"="+v)
			}
			for range 2 {
				startWorkerProc(b, penv, "-C", dir, "worker")
			}
			b.Run("check/in-process", func(b *testing.B) {
				for b.Loop() {
					runCheck(b, env, dir, false)
				}
			})
			b.Run("check/queued", func(b *testing.B) {
				for b.Loop() {
					runCheck(b, env, dir, true)
				}
			})
			b.Run("100-checks/in-process", func(b *testing.B) {
				for b.Loop() {
					for range 100 {
						runCheck(b, env, dir, false)
					}
				}
			})
			b.Run("100-checks/queued-2-workers", func(b *testing.B) {
				for b.Loop() {
					runs := make([]string, 100)
					for i := range runs {
						runs[i] = fmt.Sprint(queueCheck(b, env, dir))
					}
					mustRunEnv(b, env, append([]string{"-C", dir, "wait"}, runs...)...)
				}
			})
		})
	}
}

func runCheck(b *testing.B, env map[string]string, dir string, queued bool) {
	if !queued {
		if code, out, errOut := runCLI(b, env, "-C", dir, "check"); code != 0 && code != 3 {
			b.Fatalf("check: exit %d\n%s%s", code, out, errOut)
		}
		return
	}
	mustRunEnv(b, env, "-C", dir, "wait", fmt.Sprint(queueCheck(b, env, dir)))
}

func queueCheck(b *testing.B, env map[string]string, dir string) int {
	var n int
	out := mustRunEnv(b, env, "-C", dir, "check", "--queue")
	if _, err := fmt.Sscanf(out, "run %d queued", &n); err != nil {
		b.Fatalf("check --queue printed %q", out)
	}
	return n
}
