package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/testenv"
)

// TestMain lets the test binary run as handover itself, so that tests can
// kill a real import process.
func TestMain(m *testing.M) {
	if os.Getenv("HANDOVER_TEST_AS_CLI") == "1" {
		os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
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
	// A killed client's PostgreSQL backend may hold the environment lock
	// until it notices the client is gone: the re-import is refused as busy
	// meanwhile (which is right), so retry as a user would, for a while.
	var code int
	var out, errOut string
	for start := time.Now(); ; time.Sleep(500 * time.Millisecond) {
		code, out, errOut = runCLI(t, env, "-C", dir, "import", "--env", "dev", "--json")
		if code == 0 || !strings.Contains(errOut, "is running") || time.Since(start) > time.Minute {
			break
		}
	}
	if code != 0 {
		t.Fatalf("re-import: exit %d\n%s\n%s", code, out, errOut)
	}
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
