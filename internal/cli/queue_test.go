package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// queueProject scaffolds a project with its sample delivery received and
// an environment "broken" whose database cannot be reached.
func queueProject(t *testing.T, migration string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), migration)
	mustRun(t, "init", dir)
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "migration: example-onboarding", "migration: "+migration, 1)
	s = strings.Replace(s, "environments:\n", "environments:\n  broken:\n    database: postgres://nobody@127.0.0.1:1/none?connect_timeout=2\n", 1)
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	return dir
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inProcessWorker runs `handover worker` in this process until stop.
func inProcessWorker(t *testing.T, env map[string]string, args ...string) (stop func() string) {
	t.Helper()
	return inProcessWorkerOn(t, backend(), env, args...)
}

// inProcessWorkerOn is inProcessWorker on backend b.
func inProcessWorkerOn(t *testing.T, b Backend, env map[string]string, args ...string) (stop func() string) {
	t.Helper()
	out := &syncBuffer{}
	a := &app{backend: b, stdin: strings.NewReader(""), stdout: out, stderr: out, now: time.Now,
		getenv: func(k string) string { return env[k] }}
	root := a.rootCommand()
	root.SetArgs(append(args, "worker"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() { done <- a.exitCode(root.ExecuteContext(ctx)) }()
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("worker: exit %d\n%s", code, out.String())
				}
			case <-time.After(30 * time.Second):
				t.Errorf("the worker did not stop 30 s after it was told to")
			}
		})
		return out.String()
	}
	t.Cleanup(func() { stop() })
	return stop
}

func TestQueueWaitExitCodes(t *testing.T) {
	dir := queueProject(t, "acme")
	if out := mustRun(t, "-C", dir, "check", "--queue"); out != "run 1 queued\n" {
		t.Fatalf("check --queue printed %q, want \"run 1 queued\"", out)
	}
	var q struct {
		Run    int    `json:"run"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "import", "--env", "dev", "--queue", "--json")), &q); err != nil || q.Run != 2 || q.Status != "queued" {
		t.Fatalf("import --queue --json: %+v, %v; want run 2 queued", q, err)
	}
	if code, _, errOut := runCLI(t, nil, "-C", dir, "import", "--env", "nope", "--queue"); code != 2 || !strings.Contains(errOut, "no environment") {
		t.Errorf("import --queue into a missing environment: exit %d %s; want 2", code, errOut)
	}
	runs := listRuns(t, dir)
	if len(runs) != 2 || runs[0].Status != "queued" || runs[1].Status != "queued" {
		t.Fatalf("runs before a worker: %+v; want runs 1 and 2 queued", runs)
	}
	if out := mustRun(t, "-C", dir, "runs"); strings.Count(out, " queued ") != 2 {
		t.Errorf("runs does not show the two queued runs:\n%s", out)
	}
	if code, _, errOut := runCLI(t, nil, "-C", dir, "wait", "9"); code != 2 || !strings.Contains(errOut, "run 9") {
		t.Errorf("wait 9 (no such run): exit %d %s; want 2", code, errOut)
	}

	stop := inProcessWorker(t, nil, "-C", dir)
	if code, out, errOut := runCLI(t, nil, "-C", dir, "wait", "1", "2"); code != 0 || out != "run 1 succeeded\nrun 2 succeeded\n" {
		t.Fatalf("wait 1 2: exit %d\n%s%s", code, out, errOut)
	}
	// A gate that the sample cannot pass: exit 3.
	cfg := filepath.Join(dir, "handover.yaml")
	b, _ := os.ReadFile(cfg)
	if err := os.WriteFile(cfg, bytes.Replace(b, []byte("max_reject_rate: 0.35"), []byte("max_reject_rate: 0.01"), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "-C", dir, "check", "--queue")                     // run 3: gate fails
	mustRun(t, "-C", dir, "import", "--env", "broken", "--queue") // run 4: cannot reach its database
	for _, c := range []struct {
		runs []string
		code int
	}{{[]string{"1", "2"}, 0}, {[]string{"3"}, 3}, {[]string{"1", "3"}, 3}, {[]string{"4"}, 1}, {[]string{"3", "4", "1"}, 1}, {[]string{"4", "9"}, 2}} {
		code, out, errOut := runCLI(t, nil, append([]string{"-C", dir, "wait"}, c.runs...)...)
		if code != c.code {
			t.Errorf("wait %v: exit %d, want %d\n%s%s", c.runs, code, c.code, out, errOut)
		}
	}
	var w struct {
		Runs []waited `json:"runs"`
		Exit int      `json:"exit"`
	}
	_, out, _ := runCLI(t, nil, "-C", dir, "--json", "wait", "2", "3", "4")
	if err := json.Unmarshal([]byte(out), &w); err != nil || w.Exit != 1 || len(w.Runs) != 3 || w.Runs[1].Status != "gate_failed" ||
		w.Runs[2].Status != "failed" || !strings.Contains(w.Runs[2].Error, "broken") {
		t.Errorf("wait --json 2 3 4: %+v (%v)\n%s", w, err, out)
	}
	// files sync --queue; --timeout goes with --queue only.
	if out := mustRun(t, "-C", dir, "files", "sync", "--env", "dev", "--queue"); out != "run 5 queued\n" {
		t.Errorf("files sync --queue printed %q, want run 5 queued", out)
	}
	if code, out, errOut := runCLI(t, nil, "-C", dir, "wait", "5"); code != 0 {
		t.Errorf("wait 5 (files sync): exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, nil, "-C", dir, "check", "--timeout", "5s"); code != 2 || !strings.Contains(errOut, "--queue") {
		t.Errorf("check --timeout without --queue: exit %d %s; want 2", code, errOut)
	}
	log := stop()
	for _, n := range []string{"1", "2", "3", "4", "5"} {
		if c := strings.Count(log, "run "+n+" of acme finished"); c != 1 {
			t.Errorf("the worker finished run %s %d times, want once:\n%s", n, c, log)
		}
	}
	// The audit log names who queued each run.
	if entries := audit(t, dir, "queue"); len(entries) != 5 {
		t.Errorf("audit has %d queue entries, want 5: %+v", len(entries), entries)
	}
}

// audit returns the audit entries of one action.
func audit(t *testing.T, dir, action string) []auditEntry {
	t.Helper()
	var log struct {
		Entries []auditEntry `json:"entries"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "audit", "--json")), &log); err != nil {
		t.Fatal(err)
	}
	var out []auditEntry
	for _, e := range log.Entries {
		if e.Action == action {
			out = append(out, e)
		}
	}
	return out
}

func TestWorseExitCode(t *testing.T) {
	for _, c := range []struct{ a, b, want int }{{0, 3, 3}, {3, 1, 1}, {1, 3, 1}, {1, 2, 2}, {2, 0, 2}, {0, 0, 0}} {
		if got := worse(c.a, c.b); got != c.want {
			t.Errorf("worse(%d, %d) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

// TestQueuedRunTimeout: a queued run's --timeout bounds it on the worker;
// the import that runs out of time is rolled back and recorded as failed.
func TestQueuedRunTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 300,000 rows")
	}
	dir := bigProject(t, 300_000) // an import of several seconds
	mustRun(t, "-C", dir, "import", "--env", "dev", "--queue", "--timeout", "1s")
	inProcessWorker(t, nil, "-C", dir)
	code, out, errOut := runCLI(t, nil, "-C", dir, "--json", "wait", "1")
	var w struct {
		Runs []waited `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &w); err != nil || code != 1 || len(w.Runs) != 1 || w.Runs[0].Status != "failed" ||
		!strings.Contains(w.Runs[0].Error, "deadline") {
		t.Fatalf("wait for an import with --timeout 1s: exit %d %+v (%v)\n%s", code, w, err, errOut)
	}
	if n := sqliteCount(t, filepath.Join(dir, ".handover", "dev.db"), "contacts"); n != 0 {
		t.Errorf("the timed-out import left %d contacts in dev", n)
	}
}
