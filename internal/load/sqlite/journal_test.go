package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
)

func journalFormat() *format.Format {
	return &format.Format{Entities: []*format.Entity{{Name: "items", Table: "items", Key: "key", Fields: []*format.Field{
		{Name: "key", Column: "key", Type: format.String, Required: true},
		{Name: "note", Column: "note", Type: format.String},
	}}}}
}

func journalRows(n int) *loadtest.SliceBatches {
	rows := make([]load.Record, n)
	for i := range rows {
		rows[i] = load.Record{Line: i + 2, Values: []string{fmt.Sprintf("K%06d", i), fmt.Sprintf("note %d", i)}}
	}
	return &loadtest.SliceBatches{Rows: rows, N: 500}
}

// fileJournalMode is the journal mode the database file rests in, read
// by a connection of its own that sets none.
func fileJournalMode(t *testing.T, path string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	return mode
}

// importItems runs one import of n items, checking the journal mode the
// transaction writes with.
func importItems(t *testing.T, path string, n int, wantMode string) {
	t.Helper()
	ctx := context.Background()
	target, err := Open(ctx, "sqlite://"+path, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	f := journalFormat()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var mode string
	if err := tx.(*sqliteTx).tx.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != wantMode {
		t.Errorf("the import writes with journal mode %s, want %s", mode, wantMode)
	}
	c, err := tx.Load(ctx, f.Entities[0], journalRows(n))
	if err != nil {
		t.Fatal(err)
	}
	if want := (load.Counts{Inserted: int64(n)}); c != want {
		t.Errorf("counts %+v, want %+v", c, want)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func countItems(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT count(*) FROM items").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportAloneWritesWithRollbackJournal: an import that has the
// database to itself writes with a rollback journal (one write per new
// page instead of WAL's two) and leaves the database in WAL mode again.
func TestImportAloneWritesWithRollbackJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	importItems(t, path, 20_000, "delete")
	if mode := fileJournalMode(t, path); mode != "wal" {
		t.Errorf("after the import the database is in journal mode %s, want wal", mode)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := countItems(t, db); n != 20_000 {
		t.Errorf("%d items after the import, want 20000", n)
	}
}

// TestImportWithAReaderStaysInWAL: while another connection has the
// database open, the import writes in WAL mode (the switch would need that
// connection gone) without waiting for it, and the reader goes on reading
// the committed state.
func TestImportWithAReaderStaysInWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	importItems(t, path, 10, "delete")
	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if n := countItems(t, reader); n != 10 {
		t.Fatalf("%d items before the second import, want 10", n)
	}

	ctx := context.Background()
	target, err := Open(ctx, "sqlite://"+path, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, journalFormat())
	if err != nil {
		t.Fatal(err)
	}
	if tx.(*sqliteTx).journal {
		t.Error("the import switched to a rollback journal while another connection had the database open")
	}
	rows := journalRows(30)
	rows.Rows = rows.Rows[10:]
	if _, err := tx.Load(ctx, journalFormat().Entities[0], rows); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, reader); n != 10 {
		t.Errorf("the reader sees %d items during the import, want the committed 10", n)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countItems(t, reader); n != 30 {
		t.Errorf("the reader sees %d items after the import, want 30", n)
	}
	if mode := fileJournalMode(t, path); mode != "wal" {
		t.Errorf("after the import the database is in journal mode %s, want wal", mode)
	}
}

// TestDiffStaysInWAL: a diff, always rolled back, gains nothing from a
// rollback journal and keeps the database readable by others meanwhile.
func TestDiffStaysInWAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dev.db")
	importItems(t, path, 10, "delete")
	ctx := context.Background()
	target, err := Open(ctx, "sqlite://"+path, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	dt, err := load.BeginDiff(ctx, target, journalFormat())
	if err != nil {
		t.Fatal(err)
	}
	defer dt.Rollback(ctx)
	if mode := fileJournalMode(t, path); mode != "wal" {
		t.Errorf("during a diff the database is in journal mode %s, want wal", mode)
	}
	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	if n := countItems(t, reader); n != 10 {
		t.Errorf("another connection reads %d items during the diff, want 10", n)
	}
}
