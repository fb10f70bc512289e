package cli

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime/debug"
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

// TestWorkerDividesTheMemoryBudget: a worker of two projects with
// --concurrency 3 may execute 6 runs at once; each gets a sixth of the
// process's budget, not all of it.
func TestWorkerDividesTheMemoryBudget(t *testing.T) {
	keepMemoryLimit(t)
	root := t.TempDir()
	for _, m := range []string{"acme", "globex"} {
		dir := queueProject(t, m)
		if err := os.Rename(dir, filepath.Join(root, m)); err != nil {
			t.Fatal(err)
		}
	}
	acme := filepath.Join(root, "acme")
	mustRun(t, "-C", acme, "check", "--queue")
	b := newBudgets()
	stop := inProcessWorkerOn(t, b.backend(), map[string]string{memoryEnv: "1GiB"}, "--root", root, "--concurrency", "3")
	got := b.next(t)
	if code, out, errOut := runCLI(t, nil, "-C", acme, "wait", "1"); code != 0 && code != exitGate {
		t.Errorf("wait 1: exit %d %s%s", code, out, errOut)
	}
	log := stop()
	if want := goLimit(1<<30) / 6; got != want {
		t.Errorf("a run of worker --concurrency 3 over 2 projects had a budget of %d, want %d (the process's %d / 6)", got, want, goLimit(1<<30))
	}
	if !strings.Contains(log, "for 6 run(s) at once (3 per migration × 2)") {
		t.Errorf("the worker does not say how it shares the budget:\n%s", log)
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
		if got := strings.Contains(stderr.String(), "below 16MiB"); !strings.Contains(stderr.String(), "run(s) at once ("+tc.workers+" per migration × 1)") || got != tc.warn {
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
