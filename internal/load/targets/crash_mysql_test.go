package targets

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// TestCrashMySQL kills an import into MySQL / MariaDB. Into existing
// tables, the environment is exactly as before. A first import creates
// its tables outside the transaction (MySQL's DDL is not transactional):
// killed, it leaves them empty and recorded, and the next Begin drops
// them, so the environment is as before once it has run.
func TestCrashMySQL(t *testing.T) {
	testenv.MySQL(t)
	cases := []crashCase{
		{name: "while writing", known: true, hook: "block"},
		{name: "after writing", known: true, hook: "after-copy"},
		{name: "before commit", known: true, hook: "before-commit"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := loadtest.FreshMySQL(t)
			crashAndRecover(t, c, dsn, loadtest.OpenMySQLInspector(t, dsn), 40_000)
		})
	}
	for _, hook := range []string{"block", "after-copy", "before-commit"} {
		t.Run("first import, "+hook, func(t *testing.T) { crashFirstImport(t, hook, 40_000) })
	}
}

func crashFirstImport(t *testing.T, hook string, n int) {
	dsn := loadtest.FreshMySQL(t)
	db := loadtest.OpenMySQLInspector(t, dsn)
	if got := db.Tables(t); len(got) != 0 {
		t.Fatalf("a fresh database has tables %v", got)
	}
	cmd, ready := startChild(t, "fresh:"+hook, dsn, n)
	if !ready() {
		t.Fatal("the child ended without getting READY")
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	// What the killed import created holds no data, only the record of
	// what it created.
	tables := db.Tables(t)
	if !slices.Contains(tables, "contacts") {
		t.Fatalf("tables after the kill %v: the child created nothing, the test proves nothing", tables)
	}
	for _, table := range tables {
		rows := db.Table(t, table)
		if table == "handover_meta" {
			if len(rows) != 1 || rows[0]["name"] != "pending_ddl" {
				t.Errorf("handover_meta after the kill: %v", rows)
			}
			continue
		}
		if len(rows) != 0 {
			t.Errorf("%s has %d rows after the kill", table, len(rows))
		}
	}
	// The next Begin drops them; rolled back, it leaves the database as
	// it was before the killed import.
	target := mustOpen(t, dsn)
	tx := beginWhenFree(t, target)
	if err := tx.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := db.Tables(t); len(got) != 0 {
		t.Fatalf("tables after the next Begin and Rollback: %v, want none", got)
	}
	benchDatabase(t, dsn, benchFormat())
	importContacts(t, target, benchFormat(), changedContacts(n), wantAfter(n, false))
}

// beginWhenFree begins an import once the server has noticed the killed
// child and released the environment's lock.
func beginWhenFree(t *testing.T, target load.Target) load.Tx {
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		tx, err := target.Begin(context.Background(), benchFormat())
		var busy *load.BusyError
		if errors.As(err, &busy) && time.Now().Before(deadline) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		return tx
	}
}
