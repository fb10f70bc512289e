package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
)

// TestOpenWaitsForANewDatabasesLock: another import has just created the
// database and holds its lock; opening it (which switches it to WAL) waits
// for the lock as Begin does instead of failing with SQLITE_BUSY.
func TestOpenWaitsForANewDatabasesLock(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "dev.db")
	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	release := time.AfterFunc(2500*time.Millisecond, func() { conn.ExecContext(ctx, "COMMIT") })
	defer release.Stop()

	waited := 0
	target, err := Open(ctx, "sqlite://"+path, load.Options{Env: "dev", LockWait: 20 * time.Second, OnWait: func(string) { waited++ }})
	if err != nil {
		t.Fatalf("open while another import holds the new database's lock: %v; want it to wait", err)
	}
	target.Close()
	if waited == 0 {
		t.Fatal("open succeeded without waiting: the test did not hold the lock it needs")
	}
	_, err = Open(ctx, "sqlite://"+filepath.Join(t.TempDir(), "x.db"), load.Options{Env: "dev"})
	if err != nil {
		t.Fatalf("open of a free database: %v", err)
	}
}
