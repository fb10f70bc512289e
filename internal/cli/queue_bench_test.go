package cli

import (
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/testenv"
)

// Queue overhead (issue 12), in two figures:
//
//   - check: one queued check of the example project — `check --queue`,
//     a running worker executes it, `wait` sees it finished — against the
//     same check in-process;
//   - 100 checks: 100 queued checks of the example project (10 contact
//     rows) drained by two worker processes — started on the full queue,
//     timed from their start-up line until `wait` sees the last one
//     finished — against 100
//     in-process checks one after another. queue-s/op is the time the 100
//     `check --queue` took before (not in ns/op).
//
// Workers are real processes (this test binary acting as handover).
//
//	go test -run '^$' -bench QueueOverhead -benchtime 3x ./internal/cli
func BenchmarkQueueOverhead(b *testing.B) {
	for _, store := range []string{"sqlite", "postgres"} {
		b.Run(store, func(b *testing.B) {
			// fresh is a new example project with its sample received, on a
			// fresh state store: every figure starts from the same state
			// (each check reads the earlier runs).
			fresh := func(b *testing.B) (string, map[string]string, []string) {
				b.Helper()
				dir := filepath.Join(b.TempDir(), "example")
				mustRunEnv(b, nil, "init", dir)
				env := map[string]string{}
				var penv []string
				if store == "postgres" {
					env["HANDOVER_STATE"] = testenv.FreshPostgres(b)
					penv = []string{"HANDOVER_STATE=" + env["HANDOVER_STATE"]}
				}
				mustRunEnv(b, env, "-C", dir, "receive", filepath.Join(dir, "sample"))
				return dir, env, penv
			}
			b.Run("check/in-process", func(b *testing.B) {
				dir, env, _ := fresh(b)
				for b.Loop() {
					runCheck(b, env, dir)
				}
			})
			b.Run("check/queued", func(b *testing.B) {
				dir, env, penv := fresh(b)
				w := startWorkerProc(b, penv, "-C", dir, "worker")
				for b.Loop() {
					waitAll(b, env, dir, queueCheck(b, env, dir))
				}
				b.StopTimer()
				stopWorker(b, w)
			})
			b.Run("100-checks/in-process", func(b *testing.B) {
				for range b.N {
					b.StopTimer()
					dir, env, _ := fresh(b)
					b.StartTimer()
					for range 100 {
						runCheck(b, env, dir)
					}
				}
			})
			b.Run("100-checks/queued-2-workers", func(b *testing.B) {
				var queueing time.Duration
				for range b.N {
					b.StopTimer()
					dir, env, penv := fresh(b)
					start := time.Now()
					runs := make([]int, 100)
					for i := range runs {
						runs[i] = queueCheck(b, env, dir)
					}
					queueing += time.Since(start)
					w1, w2 := startWorkerProc(b, penv, "-C", dir, "worker"), startWorkerProc(b, penv, "-C", dir, "worker")
					for !strings.Contains(w1.out.String(), "serving") || !strings.Contains(w2.out.String(), "serving") {
						time.Sleep(time.Millisecond)
					}
					b.StartTimer()
					waitAll(b, env, dir, runs...)
					b.StopTimer()
					stopWorker(b, w1)
					stopWorker(b, w2)
					if testing.Verbose() {
						b.Log(w1.out.String())
					}
				}
				b.ReportMetric(queueing.Seconds()/float64(b.N), "queue-s/op")
			})
		})
	}
}

func runCheck(b *testing.B, env map[string]string, dir string) {
	if code, out, errOut := runCLI(b, env, "-C", dir, "check"); code != 0 && code != 3 {
		b.Fatalf("check: exit %d\n%s%s", code, out, errOut)
	}
}

func queueCheck(b *testing.B, env map[string]string, dir string) int {
	var n int
	out := mustRunEnv(b, env, "-C", dir, "check", "--queue")
	if _, err := fmt.Sscanf(out, "run %d queued", &n); err != nil {
		b.Fatalf("check --queue printed %q", out)
	}
	return n
}

// waitAll runs `handover wait` for runs, which must all succeed.
func waitAll(b *testing.B, env map[string]string, dir string, runs ...int) {
	args := []string{"-C", dir, "wait", "--poll", "20ms"}
	for _, n := range runs {
		args = append(args, fmt.Sprint(n))
	}
	if code, out, errOut := runCLI(b, env, args...); code != 0 {
		b.Fatalf("wait: exit %d: %s\n%s", code, errOut, notSucceeded(out))
	}
}

func stopWorker(b *testing.B, w *workerProc) {
	_ = w.cmd.Process.Signal(syscall.SIGTERM)
	if err := w.cmd.Wait(); err != nil {
		b.Errorf("worker after SIGTERM: %v\n%s", err, w.out.String())
	}
}

// notSucceeded is wait's output without the lines of succeeded runs.
func notSucceeded(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if !strings.HasSuffix(l, " succeeded") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
