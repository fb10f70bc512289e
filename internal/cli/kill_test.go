package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	svc "github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/testenv"
)

// TestMain lets the test binary run as handover itself, so that tests can
// kill a real import process.
func TestMain(m *testing.M) {
	if os.Getenv("HANDOVER_TEST_AS_CLI") == "1" {
		var hooks svc.Hooks
		if os.Getenv("HANDOVER_TEST_KILL_AFTER_COMMIT") == "1" {
			hooks.AfterCommit = func() { syscall.Kill(os.Getpid(), syscall.SIGKILL) }
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := mainWith(ctx, backend(), hooks, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// bigProject scaffolds a project whose delivery has n contacts, so that an
// import runs long enough to be killed half-way.
func bigProject(t *testing.T, n int) string {
	t.Helper()
	return bigProjectAt(t, filepath.Join(t.TempDir(), "big"), n)
}

// bigProjectAt is bigProject in dir.
func bigProjectAt(t *testing.T, dir string, n int) string {
	t.Helper()
	mustRun(t, "init", dir)
	delivery := filepath.Join(t.TempDir(), "delivery")
	if err := os.MkdirAll(delivery, 0o755); err != nil {
		t.Fatal(err)
	}
	firmen, err := os.ReadFile(filepath.Join(dir, "sample", "firmen.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(delivery, "firmen.csv"), firmen, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(delivery, "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprint(w, "ID;Anrede;Vorname;Nachname;Firma_ID;Telefon;EMail;Geburtsdatum;Kategorie;Status\r\n")
	for i := range n {
		fmt.Fprintf(w, "K%07d;Herr;Hans;Muster%d;F00%d;044 %03d %02d %02d;h%d@example.ch;%02d.%02d.19%02d;Premium;aktiv\r\n",
			i, i, 1+i%2, i%1000, i%100, (i/100)%100, i, 1+i%28, 1+i%12, i%100)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	mustRun(t, "-C", dir, "receive", delivery)
	return dir
}

// startImport runs `handover import` as a child process.
func startImport(t *testing.T, dir string, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-C", dir, "import", "--env", "dev")
	cmd.Env = append(append(os.Environ(), "HANDOVER_TEST_AS_CLI=1"), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd
}

type runRow struct {
	Run    int    `json:"run"`
	Status string `json:"status"`
}

func listRuns(t *testing.T, dir string) []runRow {
	t.Helper()
	var out struct {
		Runs []runRow `json:"runs"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "runs", "--json")), &out); err != nil {
		t.Fatal(err)
	}
	return out.Runs
}

func testKillMidImport(t *testing.T, dir string, env map[string]string, count func() int) {
	var extra []string
	for k, v := range env {
		extra = append(extra, k+"="+v)
	}
	cmd := startImport(t, dir, extra...)
	// Wait until the import is under way (its run is recorded), then a
	// little more, and kill it without warning.
	deadline := time.Now().Add(30 * time.Second)
	for {
		if rs := listRuns(t, dir); len(rs) == 1 && rs[0].Status == "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the import never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the import finished before it was killed (%v): make the delivery bigger", err)
	}
	if rs := listRuns(t, dir); len(rs) != 1 || rs[0].Status != "interrupted" {
		t.Fatalf("after the kill, runs = %+v; want run 1 interrupted", rs)
	}
	if n := count(); n != 0 {
		t.Fatalf("after the kill the environment holds %d contacts; want none", n)
	}
	// Re-importing at once succeeds: a killed client's PostgreSQL backend
	// notices within about a second (client_connection_check_interval) and
	// releases the environment's lock, which the re-import waits for.
	start := time.Now()
	code, out, errOut := runCLI(t, env, "-C", dir, "import", "--env", "dev", "--json")
	if code != 0 {
		t.Fatalf("re-import right after the kill: exit %d\n%s\n%s", code, out, errOut)
	}
	t.Logf("re-import right after the kill took %s; stderr: %s", time.Since(start).Round(time.Millisecond), errOut)
	var p struct {
		Status   string `json:"status"`
		Entities []struct {
			Name     string `json:"name"`
			Valid    int64  `json:"valid"`
			Inserted int64  `json:"inserted"`
		} `json:"entities"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Entities {
		if e.Inserted != e.Valid {
			t.Errorf("re-import of %s: inserted %d, valid %d", e.Name, e.Inserted, e.Valid)
		}
	}
	if n := count(); int64(n) != p.Entities[1].Valid {
		t.Errorf("environment holds %d contacts, the re-import loaded %d", n, p.Entities[1].Valid)
	}
}

func TestKillMidImportSQLite(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a long import")
	}
	dir := bigProject(t, 300_000)
	db := filepath.Join(dir, ".handover", "dev.db")
	testKillMidImport(t, dir, nil, func() int { return sqliteCount(t, db, "contacts") })
}

func TestKillMidImportPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("kills a long import")
	}
	url := testenv.FreshPostgres(t)
	dir := bigProject(t, 300_000)
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "database: sqlite://.handover/dev.db", "database: ${DEV_DATABASE_URL}", 1)
	if text == string(b) {
		t.Fatal("scaffold's dev database line not found")
	}
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DEV_DATABASE_URL": url}
	t.Setenv("DEV_DATABASE_URL", url) // for the in-process runs
	testKillMidImport(t, dir, env, func() int { return postgresCount(t, url, "contacts") })
}

// testKillAfterCommit kills an import right after its COMMIT, before it
// recorded anything in the state store: the next command that opens the
// state store finds the run in the environment's bookkeeping and records
// it as succeeded, with its counts.
func testKillAfterCommit(t *testing.T, dir string, env map[string]string, count func() int) {
	extra := []string{"HANDOVER_TEST_KILL_AFTER_COMMIT=1"}
	for k, v := range env {
		extra = append(extra, k+"="+v)
	}
	err := startImport(t, dir, extra...).Wait()
	if err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the import was not killed after its commit: %v", err)
	}
	n := count()
	if n == 0 {
		t.Fatal("the killed import did not commit: the test proves nothing")
	}
	rs := listRuns(t, dir)
	if len(rs) != 1 || rs[0].Status != "succeeded" {
		t.Fatalf("after the kill, runs = %+v; want run 1 succeeded", rs)
	}
	var p struct {
		Status   string `json:"status"`
		Entities []struct {
			Name     string `json:"name"`
			Inserted int64  `json:"inserted"`
		} `json:"entities"`
		Transaction string `json:"transaction"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "show", "1", "--json")), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != "succeeded" || p.Transaction != "committed" || len(p.Entities) != 2 || p.Entities[1].Inserted != int64(n) {
		t.Errorf("show 1 after the kill: %+v; want succeeded, committed, %d contacts inserted", p, n)
	}
	// runs and show only read; the next command that writes records it.
	mustRun(t, "-C", dir, "status")
	audit := mustRun(t, "-C", dir, "audit")
	if !strings.Contains(audit, "run 1 import into dev, extraction 1: succeeded") || !strings.Contains(audit, "recorded from environment dev after the process ended") {
		t.Errorf("the audit log does not record the run's outcome:\n%s", audit)
	}
}

func TestKillAfterCommitSQLite(t *testing.T) {
	dir := bigProject(t, 200)
	db := filepath.Join(dir, ".handover", "dev.db")
	testKillAfterCommit(t, dir, nil, func() int { return sqliteCount(t, db, "contacts") })
}

func TestKillAfterCommitPostgres(t *testing.T) {
	url := testenv.FreshPostgres(t)
	dir := bigProject(t, 200)
	usePostgresDev(t, dir)
	env := map[string]string{"DEV_DATABASE_URL": url}
	t.Setenv("DEV_DATABASE_URL", url) // for the in-process runs
	testKillAfterCommit(t, dir, env, func() int { return postgresCount(t, url, "contacts") })
}

// usePostgresDev points the project's dev environment at ${DEV_DATABASE_URL}.
func usePostgresDev(t *testing.T, dir string) {
	t.Helper()
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "database: sqlite://.handover/dev.db", "database: ${DEV_DATABASE_URL}", 1)
	if text == string(b) {
		t.Fatal("scaffold's dev database line not found")
	}
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// An import into an environment another import holds waits for its lock,
// saying who holds it, up to --lock-timeout; then it is refused naming the
// holder.
func TestLockWaitPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a long import")
	}
	url := testenv.FreshPostgres(t)
	dir := bigProject(t, 600_000) // several seconds to import, also on a quiet machine
	usePostgresDev(t, dir)
	env := map[string]string{"DEV_DATABASE_URL": url}
	t.Setenv("DEV_DATABASE_URL", url)
	first := startImport(t, dir, "DEV_DATABASE_URL="+url)
	deadline := time.Now().Add(30 * time.Second)
	for rs := listRuns(t, dir); len(rs) != 1 || rs[0].Status != "running"; rs = listRuns(t, dir) {
		if time.Now().After(deadline) {
			t.Fatal("the first import never started")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // it takes the lock after recording the run

	code, _, errOut := runCLI(t, env, "-C", dir, "import", "--env", "dev", "--lock-timeout", "1s")
	if code != 1 || !strings.Contains(errOut, `another import into environment "dev" is running (run 1 import, host `) ||
		!strings.Contains(errOut, "waited 1s") {
		t.Fatalf("import with --lock-timeout 1s: exit %d, stderr %q; want exit 1 naming run 1", code, errOut)
	}
	code, _, errOut = runCLI(t, env, "-C", dir, "import", "--env", "dev", "--lock-timeout", "60s")
	if code != 0 || !strings.Contains(errOut, "waiting for environment dev: locked by run 1 import, host ") {
		t.Fatalf("import waiting for the lock: exit %d, stderr %q", code, errOut)
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first import: %v", err)
	}
}
