package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/testenv"
)

// workerProc is a `handover worker` child process.
type workerProc struct {
	cmd *exec.Cmd
	out *syncBuffer
}

// startWorkerProc starts `handover ARGS... worker EXTRA...` as a child
// process (this test binary acting as handover).
func startWorkerProc(t testing.TB, env []string, args ...string) *workerProc {
	t.Helper()
	w := &workerProc{cmd: exec.Command(os.Args[0], args...), out: &syncBuffer{}}
	w.cmd.Env = append(append(os.Environ(), "HANDOVER_TEST_AS_CLI=1"), env...)
	w.cmd.Stdout, w.cmd.Stderr = w.out, w.out
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if w.cmd.ProcessState == nil {
			_ = w.cmd.Process.Kill()
			_ = w.cmd.Wait()
		}
	})
	return w
}

// terminate sends SIGTERM and checks that the worker stops gracefully.
func (w *workerProc) terminate(t *testing.T) {
	t.Helper()
	if err := w.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("worker after SIGTERM: %v\n%s", err, w.out.String())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("worker still running 30 s after SIGTERM\n%s", w.out.String())
	}
}

// queueRun runs `handover -C dir ARGS... --queue --json` and returns the
// queued run's number.
func queueRun(t *testing.T, env map[string]string, dir string, args ...string) int {
	t.Helper()
	code, out, errOut := runCLI(t, env, append(append([]string{"-C", dir, "--json"}, args...), "--queue")...)
	var q struct {
		Run    int    `json:"run"`
		Status string `json:"status"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &q) != nil || q.Status != "queued" {
		t.Fatalf("%v --queue: exit %d\n%s%s", args, code, out, errOut)
	}
	return q.Run
}

// waitProc runs `handover -C dir wait RUNS...` as a child process, for at
// most limit, and returns its exit code and output.
func waitProc(t *testing.T, env []string, limit time.Duration, dir string, runs ...int) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	args := []string{"-C", dir, "wait"}
	for _, n := range runs {
		args = append(args, fmt.Sprint(n))
	}
	cmd := exec.CommandContext(ctx, os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "HANDOVER_TEST_AS_CLI=1"), env...)
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("wait %v still waiting after %s:\n%s", runs, limit, out)
	}
	if err != nil && cmd.ProcessState == nil {
		t.Fatal(err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// renameMigration gives a scaffolded project its own migration name.
func renameMigration(t *testing.T, dir, name string) {
	t.Helper()
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(b), "migration: example-onboarding", "migration: "+name, 1)
	if err := os.WriteFile(cfg, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

type importRecord struct {
	Status   string `json:"status"`
	Entities []struct {
		Name      string `json:"name"`
		Valid     int64  `json:"valid"`
		Inserted  int64  `json:"inserted"`
		Unchanged int64  `json:"unchanged"`
	} `json:"entities"`
}

func showRun(t *testing.T, env map[string]string, dir string, n int) importRecord {
	t.Helper()
	var r importRecord
	out := mustRunEnv(t, env, "-C", dir, "show", fmt.Sprint(n), "--json")
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// checkPairOfImports checks that of two imports of the same extraction into
// one environment one inserted every valid row and the other found them all
// unchanged — what they do one after the other, never at once — and that
// the environment holds exactly the valid rows. killed says an earlier
// attempt of the first run was killed: it may have committed all its rows
// before it died (then both runs find them unchanged), never some.
func checkPairOfImports(t *testing.T, env map[string]string, dir string, runs [2]int, killed bool) {
	t.Helper()
	a, b := showRun(t, env, dir, runs[0]), showRun(t, env, dir, runs[1])
	if a.Status != "succeeded" || b.Status != "succeeded" {
		t.Fatalf("%s: runs %v are %s and %s, want succeeded", filepath.Base(dir), runs, a.Status, b.Status)
	}
	// The killed attempt committed if neither run inserted anything; it
	// commits every entity or none, so one answer holds for all of them.
	committed := killed
	for i, e := range a.Entities {
		if e.Inserted+b.Entities[i].Inserted != 0 {
			committed = false
		}
	}
	if committed {
		t.Logf("%s: the killed attempt of run %d had committed before it died", filepath.Base(dir), runs[0])
	}
	for i, e := range a.Entities {
		f := b.Entities[i]
		var before int64
		if committed {
			before = e.Valid
		}
		if before+e.Inserted+f.Inserted != e.Valid || e.Unchanged+f.Unchanged != e.Valid+before {
			t.Errorf("%s %s: runs %v inserted %d+%d (%d before), unchanged %d+%d of %d valid rows; want one to insert all, the other to find all unchanged",
				filepath.Base(dir), e.Name, runs, e.Inserted, f.Inserted, before, e.Unchanged, f.Unchanged, e.Valid)
		}
		db := filepath.Join(dir, ".handover", "dev.db")
		if n := sqliteCount(t, db, e.Name); int64(n) != e.Valid {
			t.Errorf("%s: dev holds %d %s, want %d", filepath.Base(dir), n, e.Name, e.Valid)
		}
	}
}

// finishedOnce checks that the workers' logs say each run finished once.
func finishedOnce(t *testing.T, logs string, migration string, runs ...int) {
	t.Helper()
	for _, n := range runs {
		if c := strings.Count(logs, fmt.Sprintf("run %d of %s finished", n, migration)); c != 1 {
			t.Errorf("run %d of %s finished %d times, want once:\n%s", n, migration, c, logs)
		}
	}
}

// TestWorkerProcessSQLite: one worker on the embedded SQLite state store
// executes a queued check and two imports, then stops on SIGTERM.
func TestWorkerProcessSQLite(t *testing.T) {
	dir := queueProject(t, "solo")
	check := queueRun(t, nil, dir, "check")
	imports := [2]int{queueRun(t, nil, dir, "import", "--env", "dev"), queueRun(t, nil, dir, "import", "--env", "dev")}
	w := startWorkerProc(t, nil, "-C", dir, "worker")
	if code, out := waitProc(t, nil, 2*time.Minute, dir, check, imports[0], imports[1]); code != 0 {
		t.Fatalf("wait: exit %d\n%s\nworker:\n%s", code, out, w.out.String())
	}
	checkPairOfImports(t, nil, dir, imports, false)
	w.terminate(t)
	finishedOnce(t, w.out.String(), "solo", check, imports[0], imports[1])
}

// TestTwoWorkersPostgres: two worker processes on one PostgreSQL state
// store execute 6 queued imports of 3 projects, each once, never two into
// one environment at once; SIGKILL of the worker running the big import
// leaves its environment all or nothing, and the other worker finishes it.
func TestTwoWorkersPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a worker and waits for River to retry its job")
	}
	pg := testenv.FreshPostgres(t)
	env := map[string]string{"HANDOVER_STATE": pg}
	penv := []string{"HANDOVER_STATE=" + pg}
	root := t.TempDir()
	big := bigProjectAt(t, filepath.Join(root, "big"), 150_000) // over a second to import, even on a quiet machine
	renameMigration(t, big, "big")
	dirs := map[string]string{"big": big}
	for _, name := range []string{"beta", "gamma"} {
		dirs[name] = filepath.Join(root, name)
		mustRun(t, "init", dirs[name])
		renameMigration(t, dirs[name], name)
		mustRun(t, "-C", dirs[name], "receive", filepath.Join(dirs[name], "sample"))
	}
	names := []string{"big", "beta", "gamma"}
	runs := map[string][2]int{}
	for i := range 2 {
		for _, name := range names {
			r := runs[name]
			r[i] = queueRun(t, env, dirs[name], "import", "--env", "dev")
			runs[name] = r
		}
	}
	// The job timeout bounds how soon the killed job is retried, and must
	// still let a 150,000-row import finish on a loaded machine (10 s did
	// not, at load 28).
	flags := []string{"--root", root, "worker", "--job-timeout", "30s", "--rescue-after", "30s"}
	w1, w2 := startWorkerProc(t, penv, flags...), startWorkerProc(t, penv, flags...)

	// Kill the worker that runs the big project's first import, mid-import:
	// the one of its two runs a worker starts first, whichever that is (the
	// other then finds every row unchanged, in a fraction of the time —
	// 0.27 s against 1.4 s, less than this test waits before its kill).
	var victim, survivor *workerProc
	started := startedRun("big")
	for deadline := time.Now().Add(time.Minute); victim == nil; time.Sleep(20 * time.Millisecond) {
		r1, at1 := firstStarted(started, w1.out.String())
		r2, at2 := firstStarted(started, w2.out.String())
		killed := 0 // the run the victim started
		switch {
		case r1 > 0 && (r2 == 0 || at1 <= at2):
			victim, survivor, killed = w1, w2, r1
		case r2 > 0:
			victim, survivor, killed = w2, w1, r2
		case time.Now().After(deadline):
			t.Fatalf("no worker started the big import\nworker 1:\n%s\nworker 2:\n%s", w1.out.String(), w2.out.String())
		}
		if killed == runs["big"][1] {
			runs["big"] = [2]int{runs["big"][1], runs["big"][0]} // the killed run first
		}
	}
	host, _ := os.Hostname()
	var listed struct {
		Runs []struct {
			Run    int    `json:"run"`
			Status string `json:"status"`
			Host   string `json:"host"`
		} `json:"runs"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := json.Unmarshal([]byte(mustRunEnv(t, env, "-C", big, "runs", "--json")), &listed); err != nil {
			t.Fatal(err)
		}
		r := listed.Runs[runs["big"][0]-1]
		if r.Status == "running" && r.Host == host {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("runs --json lists the big import as %s on %q; want running on %s", r.Status, r.Host, host)
		}
	}
	// Kill it while the big import is the only run it executes, so that
	// no other run dies with it.
	bigDone := fmt.Sprintf("run %d of big finished", runs["big"][0])
	for deadline := time.Now().Add(time.Minute); !alone(victim.out.String(), "big", runs["big"][0]); time.Sleep(20 * time.Millisecond) {
		if strings.Contains(victim.out.String(), bigDone) || time.Now().After(deadline) {
			t.Fatalf("the big import finished before the other runs of its worker: make it bigger\n%s", victim.out.String())
		}
	}
	time.Sleep(300 * time.Millisecond)
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = victim.cmd.Wait()
	killed := time.Now()
	if strings.Contains(victim.out.String(), bigDone) {
		t.Fatalf("the big import finished before its worker was killed: make it bigger\n%s", victim.out.String())
	}
	// The count is read as soon as the file lets it: the other worker may
	// already have taken the environment for the second import, whose
	// rollback journal holds readers off until it commits. The count is
	// all or nothing either way; which runs inserted what is left to
	// checkPairOfImports.
	db := filepath.Join(big, ".handover", "dev.db")
	afterKill := map[string]int64{}
	for _, e := range []string{"structures", "contacts"} {
		afterKill[e] = int64(sqliteCount(t, db, e))
	}

	for _, name := range names {
		code, out := waitProc(t, penv, 2*time.Minute, dirs[name], runs[name][0], runs[name][1])
		if code != 0 {
			t.Fatalf("wait %s %v: exit %d\n%s\nsurvivor:\n%s", name, runs[name], code, out, survivor.out.String())
		}
	}
	t.Logf("survivor:\n%s", survivor.out.String())
	t.Logf("the killed import was finished by the other worker %.1f s after the kill", time.Since(killed).Seconds())
	survivor.terminate(t)
	for _, e := range showRun(t, env, big, runs["big"][0]).Entities {
		if n := afterKill[e.Name]; n != 0 && n != e.Valid {
			t.Errorf("right after the kill dev held %d %s: neither none nor all %d", n, e.Name, e.Valid)
		}
	}
	for _, name := range names {
		checkPairOfImports(t, env, dirs[name], runs[name], name == "big")
	}
	logs := victim.out.String() + survivor.out.String()
	for _, name := range names {
		finishedOnce(t, logs, name, runs[name][0], runs[name][1])
	}
	if !regexp.MustCompile(fmt.Sprintf(`run %d of big \(import\) started, attempt 2`, runs["big"][0])).MatchString(survivor.out.String()) {
		t.Errorf("the surviving worker did not retry the killed import:\n%s", survivor.out.String())
	}
}

// startedRun matches a worker's log line saying it started a run of
// migration: the log's clock, then the run.
func startedRun(migration string) *regexp.Regexp {
	return regexp.MustCompile(`(?m)^\s*(\S+) run (\d+) of ` + regexp.QuoteMeta(migration) + ` \(\w+\) started`)
}

// firstStarted returns, by a worker's log, the first run it started that
// started (startedRun) matches, and when (the log's clock,
// "15:04:05.000"); 0 when none.
func firstStarted(started *regexp.Regexp, log string) (int, string) {
	m := started.FindStringSubmatch(log)
	if m == nil {
		return 0, ""
	}
	n, _ := strconv.Atoi(m[2])
	return n, m[1]
}

// alone reports whether, by a worker's log, run n of migration is the only
// run it has started and not finished.
func alone(log, migration string, n int) bool {
	open := map[string]bool{}
	for _, m := range regexp.MustCompile(`run (\d+ of \S+) (\(\w+\) started|finished)`).FindAllStringSubmatch(log, -1) {
		open[m[1]] = strings.HasSuffix(m[2], "started")
	}
	want := fmt.Sprintf("%d of %s", n, migration)
	for r, running := range open {
		if running != (r == want) {
			return false
		}
	}
	return open[want]
}
