package cli

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	svc "github.com/handover/handover/internal/usecase"
	"github.com/handover/handover/internal/wire"
)

// budgets records the memory budget of every application layer a command
// builds, and of the one that executes each queued run.
type budgets struct {
	mu       sync.Mutex
	built    []int64
	executed chan int64
}

func newBudgets() *budgets { return &budgets{executed: make(chan int64, 16)} }

func (b *budgets) backend() Backend {
	be := backend()
	be.Service = func(c svc.Config) svc.Service {
		b.mu.Lock()
		b.built = append(b.built, c.Memory)
		b.mu.Unlock()
		return budgetService{Service: wire.Service(c), memory: c.Memory, executed: b.executed}
	}
	return be
}

func (b *budgets) builtList() []int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]int64(nil), b.built...)
}

// next is the budget of the next run executed.
func (b *budgets) next(t *testing.T) int64 {
	t.Helper()
	select {
	case m := <-b.executed:
		return m
	case <-time.After(2 * time.Minute):
		t.Fatal("no queued run was executed")
		return 0
	}
}

type budgetService struct {
	svc.Service
	memory   int64
	executed chan<- int64
}

func (s budgetService) Execute(ctx context.Context, r svc.QueuedRun) (*svc.RunResult, error) {
	select {
	case s.executed <- s.memory:
	default:
	}
	return s.Service.Execute(ctx, r)
}

// keepMemoryLimit restores the process's soft memory limit after the test.
func keepMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
}

// TestRunMemoryInProcess: a check run by the command itself is the only
// run of its process and gets the whole budget (less the runtime's part).
func TestRunMemoryInProcess(t *testing.T) {
	keepMemoryLimit(t)
	dir := queueProject(t, "acme")
	b := newBudgets()
	var out, errb bytes.Buffer
	if code := Main(b.backend(), []string{"-C", dir, "--memory", "300MiB", "check"}, strings.NewReader(""), &out, &errb, os.Getenv); code != 0 && code != exitGate {
		t.Fatalf("check: exit %d %s", code, errb.String())
	}
	built := b.builtList()
	if len(built) == 0 {
		t.Fatal("check built no application layer")
	}
	for _, m := range built {
		if m != goLimit(300<<20) {
			t.Errorf("check's run budget %d, want %d", m, goLimit(300<<20))
		}
	}
}

// TestWorkerDividesTheMemoryBudget: worker --concurrency N runs at most N
// runs at once in the process, however many projects it serves (three
// here, each with its own state store), and each run gets the process's
// budget divided by N; a run that waits for a slot neither fails nor
// spends an attempt.
func TestWorkerDividesTheMemoryBudget(t *testing.T) {
	keepMemoryLimit(t)
	for _, n := range []int{1, 2} {
		t.Run(fmt.Sprintf("concurrency %d", n), func(t *testing.T) {
			root := t.TempDir()
			migrations := []string{"acme", "globex", "initech"}
			for _, m := range migrations {
				dir := queueProject(t, m)
				if err := os.Rename(dir, filepath.Join(root, m)); err != nil {
					t.Fatal(err)
				}
				mustRun(t, "-C", filepath.Join(root, m), "check", "--queue")
				mustRun(t, "-C", filepath.Join(root, m), "check", "--queue")
			}
			b := newBudgets()
			stop := inProcessWorkerOn(t, b.backend(), map[string]string{memoryEnv: "1GiB"}, "--root", root, "--concurrency", strconv.Itoa(n))
			var got []int64
			for range 2 * len(migrations) {
				got = append(got, b.next(t))
			}
			for _, m := range migrations {
				if code, out, errOut := runCLI(t, nil, "-C", filepath.Join(root, m), "wait", "1", "2"); code != 0 && code != exitGate {
					t.Errorf("wait 1 2 in %s: exit %d %s%s", m, code, out, errOut)
				}
			}
			log := stop()
			for _, m := range got {
				if want := goLimit(1<<30) / int64(n); m != want {
					t.Errorf("a run of worker --concurrency %d over 3 projects had a budget of %d, want %d (the process's %d / %d)", n, m, want, goLimit(1<<30), n)
				}
			}
			if !strings.Contains(log, fmt.Sprintf("for %d run(s) at once, ", n)) {
				t.Errorf("the worker does not say how it shares the budget:\n%s", log)
			}
			running, most, started := 0, 0, 0
			for _, line := range strings.Split(log, "\n") {
				switch {
				case strings.Contains(line, ") started, attempt "):
					started++
					running++
					most = max(most, running)
					if !strings.HasSuffix(line, "started, attempt 1") {
						t.Errorf("a run started at a later attempt: %s", line)
					}
				case strings.HasSuffix(line, " finished"):
					running--
				case strings.Contains(line, "could not run"):
					t.Errorf("a run failed: %s", line)
				}
			}
			if started != 2*len(migrations) || most > n || (n == 1 && most != 1) {
				t.Errorf("worker --concurrency %d: %d runs started, at most %d at once; want 6, at most %d\n%s", n, started, most, n, log)
			}
			if n == 1 && !strings.Contains(log, "waits: 1 run(s) at once in this process") {
				t.Errorf("no run waited for a slot:\n%s", log)
			}
		})
	}
}

// TestServeDividesTheMemoryBudget: serve --workers 2 runs two runs of its
// migration at once; each gets half the budget, and a share below 16 MiB
// is warned about.
func TestServeDividesTheMemoryBudget(t *testing.T) {
	keepMemoryLimit(t)
	dir := queueProject(t, "acme")
	mustRun(t, "-C", dir, "check", "--queue")
	for _, tc := range []struct {
		memory  string
		workers string
		want    int64
		warn    bool
	}{
		{"1GiB", "2", goLimit(1<<30) / 2, false},
		{"64MiB", "4", goLimit(64<<20) / 4, true},
	} {
		b := newBudgets()
		ctx, cancel := context.WithCancel(context.Background())
		var stderr syncBuffer
		done := make(chan int, 1)
		go func() {
			done <- MainContext(ctx, b.backend(), []string{"-C", dir, "--memory", tc.memory, "serve", "--addr", "127.0.0.1:0", "--workers", tc.workers},
				strings.NewReader(""), &bytes.Buffer{}, &stderr, func(k string) string {
					if k == "HANDOVER_STATE" {
						return ""
					}
					return os.Getenv(k)
				})
		}()
		if !tc.warn { // the queued check runs under the first
			if got := b.next(t); got != tc.want {
				t.Errorf("--memory %s --workers %s: a run's budget %d, want %d", tc.memory, tc.workers, got, tc.want)
			}
		}
		for deadline := time.Now().Add(30 * time.Second); !strings.Contains(stderr.String(), "serving") && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		}
		cancel()
		select {
		case <-done:
		case <-time.After(time.Minute):
			t.Fatal("serve did not stop")
		}
		if got := strings.Contains(stderr.String(), "below 16MiB"); !strings.Contains(stderr.String(), "for "+tc.workers+" run(s) at once, ") || got != tc.warn {
			t.Errorf("--memory %s --workers %s: stderr does not say the share (warning %v):\n%s", tc.memory, tc.workers, tc.warn, stderr.String())
		}
	}
}

// TestReplayKeepsToTheMemoryBudget: replay re-executes a run through the
// engine, so it runs under --memory as check does: the soft memory limit,
// and the whole budget (less the runtime's part) as its run's own.
func TestReplayKeepsToTheMemoryBudget(t *testing.T) {
	keepMemoryLimit(t)
	dir := queueProject(t, "acme")
	mustRun(t, "-C", dir, "check")
	debug.SetMemoryLimit(math.MaxInt64)
	b := newBudgets()
	var out, errb bytes.Buffer
	if code := Main(b.backend(), []string{"-C", dir, "--memory", "200MiB", "replay", "1"}, strings.NewReader(""), &out, &errb, os.Getenv); code != 0 {
		t.Fatalf("replay 1: exit %d %s%s", code, out.String(), errb.String())
	}
	if got := debug.SetMemoryLimit(-1); got != goLimit(200<<20) {
		t.Errorf("replay --memory 200MiB: the soft memory limit is %d, want %d", got, goLimit(200<<20))
	}
	built := b.builtList()
	if len(built) == 0 {
		t.Fatal("replay built no application layer")
	}
	for _, m := range built {
		if m != goLimit(200<<20) {
			t.Errorf("replay's run budget %d, want %d", m, goLimit(200<<20))
		}
	}
}
