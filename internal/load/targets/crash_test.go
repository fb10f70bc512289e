package targets

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// The crash tests run an import in a child process (this test binary,
// running TestHelperLoadChild), kill it with SIGKILL at a chosen moment,
// then check that the environment is exactly as before and that the same
// import then succeeds with the right counts.

const (
	childEnv     = "HANDOVER_LOAD_CHILD" // "[fresh:]hook": before-commit, after-copy, block, or "" to run through; fresh: load the structures first
	childDSNEnv  = "HANDOVER_LOAD_CHILD_DSN"
	childRowsEnv = "HANDOVER_LOAD_CHILD_ROWS"
	childApp     = "handover-crash-child"
	knownRows    = 1000 // contacts loaded before the child runs, in the merge cases
)

// TestHelperLoadChild is the child process: it imports contacts and
// announces READY at the hook it was told to stop at, then sleeps.
func TestHelperLoadChild(t *testing.T) {
	hook := os.Getenv(childEnv)
	if hook == "" {
		t.Skip("helper process for the crash tests")
	}
	hook, fresh := strings.CutPrefix(hook, "fresh:")
	n, _ := strconv.Atoi(os.Getenv(childRowsEnv))
	stop := func() {
		fmt.Println("READY")
		os.Stdout.Sync()
		time.Sleep(time.Hour)
	}
	opts := load.Options{Env: "crash"}
	hooks := &load.Hooks{}
	switch hook {
	case "before-commit":
		hooks.BeforeCommit = stop
	case "after-copy":
		hooks.AfterCopy = func(string) { stop() }
	}
	rows := changedContacts(n)
	if hook == "block" {
		batches := 0
		rows.block = func() {
			if batches++; batches == 30 {
				stop()
			}
		}
	}
	ctx := load.WithHooks(context.Background(), hooks)
	target, err := Open(ctx, os.Getenv(childDSNEnv), opts)
	if err != nil {
		t.Fatal(err)
	}
	f := benchFormat()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println("STARTED")
	if fresh {
		if _, err := tx.Load(ctx, f.Entities[0], structureBatches()); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Load(ctx, f.Entities[1], rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

// changedContacts are n contacts of which the first known ones differ
// from what the merge cases load first (every tenth has new notes).
func changedContacts(n int) *genBatches {
	g := genContacts(n)
	g.salt = func(i int) string {
		if i%10 == 0 {
			return " (changed)"
		}
		return ""
	}
	return g
}

// wantAfter is what the import of changedContacts(n) counts.
func wantAfter(n int, known bool) load.Counts {
	if !known {
		return load.Counts{Inserted: int64(n)}
	}
	changed := int64(0)
	for i := 1; i <= knownRows; i++ {
		if i%10 == 0 && i%3 != 0 { // the notes of i%3 == 0 are empty: no change
			changed++
		}
	}
	return load.Counts{Inserted: int64(n - knownRows), Updated: changed, Unchanged: knownRows - changed}
}

// crashCase is one moment to kill the child at.
type crashCase struct {
	name  string
	known bool   // contacts loaded before: the child's load merges
	hook  string // the child announces READY there…
	query string // …or the parent waits for the child's backend to run this (PostgreSQL)
	// alone: the parent holds no connection to the SQLite database while
	// the child imports, so the child writes with a rollback journal (and
	// leaves it hot when killed) instead of in WAL mode
	alone bool
}

func TestCrashPostgres(t *testing.T) {
	testenv.Postgres(t)
	cases := []crashCase{
		{name: "during the direct COPY", hook: "run", query: `COPY "contacts"%`},
		{name: "during the staging COPY", known: true, hook: "run", query: `COPY "handover_stage"%`},
		{name: "during the merge", known: true, hook: "run", query: `WITH ins AS%`},
		{name: "after the copy", known: true, hook: "after-copy"},
		{name: "before commit", known: true, hook: "before-commit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := testenv.FreshPostgres(t)
			crashAndRecover(t, c, dsn, loadtest.OpenPostgresInspector(t, dsn), 50_000)
		})
	}
}

func TestCrashSQLite(t *testing.T) {
	cases := []crashCase{
		{name: "while writing", known: true, hook: "block"},
		{name: "after writing", known: true, hook: "after-copy"},
		{name: "before commit", known: true, hook: "before-commit"},
		{name: "while writing with a rollback journal", known: true, hook: "block", alone: true},
		{name: "before commit with a rollback journal", known: true, hook: "before-commit", alone: true},
		{name: "while writing a fresh database with a rollback journal", hook: "block", alone: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := "sqlite://" + filepath.Join(t.TempDir(), "env.db")
			crashAndRecover(t, c, dsn, nil, 40_000)
		})
	}
}

func crashAndRecover(t *testing.T, c crashCase, dsn string, db loadtest.SQLInspector, n int) {
	benchDatabase(t, dsn, benchFormat())
	if c.known {
		target := mustOpen(t, dsn)
		importContacts(t, target, benchFormat(), genContacts(knownRows), load.Counts{Inserted: knownRows})
		if c.alone {
			target.Close()
		}
	}
	if db == nil {
		db = loadtest.OpenSQLiteInspector(t, dsn)
	}
	before := snapshot(t, db)
	if c.alone {
		db.(*loadtest.SQLiteInspector).Close()
	}

	childDSN := dsn
	if _, ok := db.(*loadtest.PostgresInspector); ok {
		childDSN = withAppName(dsn)
	}
	cmd, ready := startChild(t, c.hook, childDSN, n)
	if c.query != "" {
		waitForQuery(t, db, c.query)
	} else if !ready() {
		t.Fatal("the child ended without getting READY")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	if _, ok := db.(*loadtest.PostgresInspector); ok {
		// The server notices the dead client in its own time, and rolls
		// its transaction back (dropping the tables it created, the
		// bookkeeping's partitions among them) before it frees the
		// environment's lock.
		waitGone(t, db)
	}
	if c.alone {
		journal := strings.TrimPrefix(dsn, "sqlite://") + "-journal"
		if fi, err := os.Stat(journal); err != nil || fi.Size() == 0 {
			t.Fatalf("the killed import left no hot rollback journal (%v): it did not write with one", err)
		}
		db = loadtest.OpenSQLiteInspector(t, dsn)
	}

	if after := snapshot(t, db); !slices.EqualFunc(after, before, slices.Equal) {
		t.Fatalf("the killed import changed the environment:\nbefore %v\nafter  %v", summary(before), summary(after))
	}
	target := mustOpen(t, dsn)
	if _, ok := db.(*loadtest.MySQLInspector); ok {
		// The server rolls the killed session back before it frees the lock.
		beginWhenFree(t, target).Rollback(context.Background())
	}
	importContacts(t, target, benchFormat(), changedContacts(n), wantAfter(n, c.known))
	target.Close()
}

func mustOpen(t *testing.T, dsn string) load.Target {
	target, err := Open(context.Background(), dsn, load.Options{Env: "crash"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	return target
}

func withAppName(dsn string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "application_name=" + childApp
}

// startChild starts the child; ready waits for its READY line.
func startChild(t *testing.T, hook, dsn string, n int) (*exec.Cmd, func() bool) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperLoadChild$")
	cmd.Env = append(os.Environ(), childEnv+"="+hook, childDSNEnv+"="+dsn, childRowsEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := bufio.NewScanner(stdout)
	ready := func() bool {
		for lines.Scan() {
			if lines.Text() == "READY" {
				return true
			}
		}
		return false
	}
	return cmd, ready
}

// waitForQuery polls until the child's backend is running the query.
func waitForQuery(t *testing.T, db loadtest.SQLInspector, pattern string) {
	q := fmt.Sprintf(`SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s' AND state = 'active' AND query LIKE '%s'`,
		childApp, pattern)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if db.Rows(t, q)[0][0] != "0" {
			return
		}
	}
	t.Fatalf("the child never ran %s", pattern)
}

func waitGone(t *testing.T, db loadtest.SQLInspector) {
	q := fmt.Sprintf(`SELECT count(*) FROM pg_stat_activity WHERE application_name = '%s'`, childApp)
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if db.Rows(t, q)[0][0] == "0" {
			return
		}
	}
	t.Fatal("the killed child's backend did not go away")
}

// snapshot reads everything an import could change.
func snapshot(t *testing.T, db loadtest.SQLInspector) [][]string {
	var all [][]string
	for _, q := range []string{
		`SELECT * FROM contacts ORDER BY id`,
		`SELECT entity, key, hex(fingerprint), target_id FROM handover_rows ORDER BY entity, key`,
	} {
		switch db.(type) {
		case *loadtest.PostgresInspector:
			q = strings.Replace(q, "hex(fingerprint)", "encode(fingerprint, 'hex')", 1)
		case *loadtest.MySQLInspector:
			q = strings.ReplaceAll(q, " key", " `key`")
		}
		all = append(all, db.Rows(t, q)...)
	}
	return append(all, db.Tables(t))
}

func summary(rows [][]string) string {
	return fmt.Sprintf("%d rows, last %v", len(rows), rows[len(rows)-1])
}

// TestTerminateBackend ends the loading connection from the server side
// in the middle of an import: Load or Commit fails with a clean error and
// nothing is committed.
func TestTerminateBackend(t *testing.T) {
	testenv.Postgres(t)
	cases := []crashCase{
		{name: "during the direct COPY", query: `COPY "contacts"%`},
		{name: "during the merge", known: true, query: `WITH ins AS%`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := testenv.FreshPostgres(t)
			benchDatabase(t, dsn, benchFormat())
			if c.known {
				importContacts(t, mustOpen(t, dsn), benchFormat(), genContacts(knownRows), load.Counts{Inserted: knownRows})
			}
			db := loadtest.OpenPostgresInspector(t, dsn)
			before := snapshot(t, db)

			ctx := loadtest.Context(t)
			target := mustOpen(t, withAppName(dsn))
			f := benchFormat()
			tx, err := target.Begin(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				_, err := tx.Load(ctx, f.Entities[1], changedContacts(100_000))
				if err == nil {
					err = tx.Commit(ctx)
				}
				done <- err
			}()
			waitForQuery(t, db, c.query)
			db.Exec(t, fmt.Sprintf(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '%s'`, childApp))
			err = <-done
			if err == nil {
				t.Fatal("the import succeeded on a terminated connection")
			}
			if !strings.HasPrefix(err.Error(), "load contacts: ") && !strings.HasPrefix(err.Error(), "commit: ") {
				t.Errorf("error %q does not say what failed", err)
			}
			t.Logf("error: %v", err)
			if err := tx.Rollback(ctx); err != nil {
				t.Logf("rollback: %v", err)
			}
			if after := snapshot(t, db); !slices.EqualFunc(after, before, slices.Equal) {
				t.Fatalf("the terminated import changed the environment: before %v, after %v", summary(before), summary(after))
			}
		})
	}
}
