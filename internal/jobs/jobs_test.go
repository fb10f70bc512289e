package jobs

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/testenv"
)

// fakeExecutor records the runs it executes; outcome decides each
// attempt's result (nil: succeeded).
type fakeExecutor struct {
	mu       sync.Mutex
	calls    []int // run numbers, in the order executed
	outcome  func(run, attempt int) error
	hold     time.Duration // how long each run takes
	running  int
	maxAtOne int
}

func (f *fakeExecutor) Execute(ctx context.Context, a RunArgs) error {
	f.mu.Lock()
	f.calls = append(f.calls, a.Run)
	attempt := 0
	for _, c := range f.calls {
		if c == a.Run {
			attempt++
		}
	}
	f.running++
	f.maxAtOne = max(f.maxAtOne, f.running)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.running--; f.mu.Unlock() }()
	select {
	case <-time.After(f.hold):
	case <-ctx.Done():
		return ctx.Err()
	}
	if f.outcome == nil {
		return nil
	}
	return f.outcome(a.Run, attempt)
}

func (f *fakeExecutor) executed() []int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]int(nil), f.calls...)
}

// stores returns the DSNs of the state stores to test: SQLite always,
// PostgreSQL when HANDOVER_TEST_POSTGRES is set.
func stores(t *testing.T) map[string]func(*testing.T) string {
	return map[string]func(*testing.T) string{
		"sqlite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "state.db") },
		"postgres": func(t *testing.T) string { return testenv.FreshPostgres(t) },
	}
}

func openQueue(t *testing.T, dsn string) *Queue {
	t.Helper()
	q, err := Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	return q
}

// serve runs a worker for migration until the returned stop is called.
func serve(t *testing.T, q *Queue, exec Executor, cfg ServeConfig) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	hard, cancelHard := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Serve(ctx, hard, exec, cfg) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(30 * time.Second):
				err = errors.New("Serve did not return 30 s after its context was cancelled")
			}
			cancelHard()
		})
		return err
	}
	t.Cleanup(func() { _ = stop() })
	return stop
}

func enqueue(t *testing.T, q *Queue, migration string, runs ...int) {
	t.Helper()
	for _, n := range runs {
		if err := q.Enqueue(context.Background(), RunArgs{Migration: migration, Run: n, RunKind: "check", Actor: "tester"}); err != nil {
			t.Fatal(err)
		}
	}
}

// waitFor polls cond for up to 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for start := time.Now(); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Since(start) > 30*time.Second {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func pending(t *testing.T, q *Queue, migration string, n int) bool {
	t.Helper()
	p, err := q.Pending(context.Background(), migration)
	if err != nil {
		t.Fatal(err)
	}
	return p[n]
}

func TestRunsExecuteOnceInOrder(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			q := openQueue(t, dsn(t))
			enqueue(t, q, "acme", 1, 2, 3, 4, 5)
			if !pending(t, q, "acme", 3) || pending(t, q, "acme", 9) || pending(t, q, "other", 3) {
				t.Fatal("Pending: want run 3 of acme pending, run 9 and other's run 3 not")
			}
			f := &fakeExecutor{}
			stop := serve(t, q, f, ServeConfig{Migrations: []string{"acme"}, Concurrency: 1})
			waitFor(t, "5 runs", func() bool { return len(f.executed()) == 5 })
			waitFor(t, "run 5's job to complete", func() bool { return !pending(t, q, "acme", 5) })
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(f.executed()); got != "[1 2 3 4 5]" {
				t.Errorf("executed %s, want [1 2 3 4 5] (each once, in queue order)", got)
			}
		})
	}
}

func TestWorkerServesOnlyItsMigrations(t *testing.T) {
	q := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
	enqueue(t, q, "other", 1)
	enqueue(t, q, "acme", 2)
	f := &fakeExecutor{}
	stop := serve(t, q, f, ServeConfig{Migrations: []string{"acme"}})
	waitFor(t, "acme's run", func() bool { return len(f.executed()) == 1 })
	time.Sleep(500 * time.Millisecond) // time to (wrongly) fetch other's run
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(f.executed()); got != "[2]" {
		t.Errorf("executed %s, want only acme's run 2", got)
	}
	if !pending(t, q, "other", 1) {
		t.Error("other's run 1 is no longer pending: a worker of acme took it")
	}
}

func TestRetries(t *testing.T) {
	for name, dsn := range stores(t) {
		t.Run(name, func(t *testing.T) {
			q := openQueue(t, dsn(t))
			enqueue(t, q, "acme", 1, 2, 3)
			f := &fakeExecutor{outcome: func(run, attempt int) error {
				switch {
				case run == 1 && attempt == 1: // the state store was unreachable
					return errors.New("connection refused")
				case run == 2 && attempt == 1: // a live process still runs it
					return &HeldError{Err: errors.New("run 2 is running on host b"), Retry: 100 * time.Millisecond}
				case run == 3: // a retried job whose run had finished
					return fmt.Errorf("claim: %w", ErrFinished)
				}
				return nil
			}}
			stop := serve(t, q, f, ServeConfig{Migrations: []string{"acme"}, Concurrency: 3})
			waitFor(t, "runs 1 and 2 twice, run 3 once", func() bool { return len(f.executed()) == 5 })
			for n := 1; n <= 3; n++ {
				waitFor(t, fmt.Sprintf("run %d's job to complete", n), func() bool { return !pending(t, q, "acme", n) })
			}
			if err := stop(); err != nil {
				t.Fatal(err)
			}
			count := map[int]int{}
			for _, n := range f.executed() {
				count[n]++
			}
			if count[1] != 2 || count[2] != 2 || count[3] != 1 {
				t.Errorf("executions per run %v; want run 1 twice (error: retried), 2 twice (held: snoozed), 3 once (finished: done)", count)
			}
		})
	}
}

func TestGracefulStopLetsRunsFinish(t *testing.T) {
	q := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
	enqueue(t, q, "acme", 1, 2)
	finished := make(chan int, 2)
	f := &fakeExecutor{hold: 1500 * time.Millisecond, outcome: func(run, _ int) error { finished <- run; return nil }}
	stop := serve(t, q, f, ServeConfig{Migrations: []string{"acme"}, Concurrency: 1})
	waitFor(t, "run 1 to start", func() bool { return len(f.executed()) == 1 })
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("graceful stop: %v", err)
	}
	if len(finished) != 1 || time.Since(start) < time.Second {
		t.Fatalf("stop returned after %s with %d runs finished; want it to wait for run 1", time.Since(start), len(finished))
	}
	if got := fmt.Sprint(f.executed()); got != "[1]" {
		t.Errorf("executed %s after the stop; want only run 1 (no new run taken)", got)
	}
	if !pending(t, q, "acme", 2) {
		t.Error("run 2 is not pending after the stop")
	}
}

func TestHardStopReturnsAtOnce(t *testing.T) {
	q := openQueue(t, "sqlite://"+filepath.Join(t.TempDir(), "state.db"))
	enqueue(t, q, "acme", 1)
	f := &fakeExecutor{hold: 3 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	hard, cancelHard := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- q.Serve(ctx, hard, f, ServeConfig{Migrations: []string{"acme"}}) }()
	waitFor(t, "run 1 to start", func() bool { return len(f.executed()) == 1 })
	cancel()
	time.Sleep(200 * time.Millisecond)
	cancelHard()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "retried by another worker") {
			t.Errorf("hard stop: %v; want an error saying the running runs are retried", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Serve did not return at once after the hard stop")
	}
	time.Sleep(3 * time.Second) // the run (not cancelled) ends before the queue closes
}

func TestPostgresTablesInTheirOwnSchema(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	openQueue(t, dsn)
	openQueue(t, dsn) // a second opener finds the migrations applied
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var schemas []string
	rows, err := conn.Query(ctx, `SELECT DISTINCT table_schema FROM information_schema.tables WHERE table_name LIKE 'river%'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		schemas = append(schemas, s)
	}
	if fmt.Sprint(schemas) != "["+Schema+"]" {
		t.Errorf("River's tables are in schemas %v; want only %s", schemas, Schema)
	}
}

func TestQueueName(t *testing.T) {
	long := strings.Repeat("Acme Onboarding ", 20)
	names := map[string]bool{}
	for _, m := range []string{"acme-onboarding", "acme_onboarding", "ACME Onboarding", "Zürich AG", "!!!", long} {
		n := QueueName(m)
		if len(n) > 64 || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" || strings.Contains(n, "__") {
			t.Errorf("QueueName(%q) = %q: not a River queue name", m, n)
		}
		if names[n] {
			t.Errorf("QueueName(%q) = %q: taken by another migration", m, n)
		}
		names[n] = true
	}
	if a, b := QueueName("acme"), QueueName("acme"); a != b {
		t.Error("QueueName is not stable")
	}
}

func TestOpenRedactsPassword(t *testing.T) {
	_, err := Open(context.Background(), "postgres://u:s3cretpw@127.0.0.1:1/db?connect_timeout=1")
	if err == nil {
		t.Fatal("opened a store on a closed port")
	}
	if strings.Contains(err.Error(), "s3cretpw") {
		t.Errorf("error shows the password: %v", err)
	}
}
