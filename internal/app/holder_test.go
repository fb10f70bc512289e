package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// SQLite cannot say who holds its write lock: an import waiting for it
// names the other running import from the state store instead.
func TestLockHolderNamedOnSQLite(t *testing.T) {
	t.Run("WAL", func(t *testing.T) { testLockHolderNamedOnSQLite(t, "WAL") })
	// An import that had the database to itself writes with a rollback
	// journal: the waiting import cannot even open it (Open asks for WAL).
	t.Run("rollback journal", func(t *testing.T) { testLockHolderNamedOnSQLite(t, "DELETE") })
}

func testLockHolderNamedOnSQLite(t *testing.T, journal string) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.receive(-1)
	if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"}); err != nil {
		t.Fatal(err) // the environment's database exists, as it does while another import runs
	}
	ss, err := f.svc.open(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	other, err := ss.st.BeginRun(ctx, state.NewRun{Kind: protocol.KindImport, Env: "dev", Extraction: 1, By: "someone", Started: f.now})
	ss.close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+filepath.Join(f.dir, ".handover", "dev.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA journal_mode = "+journal); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(ctx, "ROLLBACK")

	var holders []string
	_, err = f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev",
		Lock: LockWait{Timeout: 2500 * time.Millisecond, OnWait: func(h string) { holders = append(holders, h) }}})
	if err == nil {
		t.Fatal("import succeeded while another connection held the write lock")
	}
	want := "run " + itoa(other.Number) + " import, host "
	if len(holders) == 0 || !strings.HasPrefix(holders[0], want) || !strings.Contains(holders[0], "since 2026-11-20T09:00Z") {
		t.Fatalf("holders seen while waiting: %q; want one starting %q, since 2026-11-20T09:00Z", holders, want)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("refusal %q does not name the holder %q", err, want)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
