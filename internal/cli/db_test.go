package cli

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"
)

// sqliteCount counts a table's rows; a table that does not exist has none.
func sqliteCount(t *testing.T, path, table string) int {
	t.Helper()
	// Read-write, as any client opens it: right after a killed import the
	// file may have a hot rollback journal, which the first reader rolls
	// back (a read-only connection refuses: SQLITE_READONLY_ROLLBACK).
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(30000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	err = db.QueryRow("SELECT count(*) FROM " + table).Scan(&n)
	if err != nil && strings.Contains(err.Error(), "no such table") {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// postgresCount counts a table's rows; a table that does not exist has none.
func postgresCount(t *testing.T, url, table string) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	err = conn.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n)
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}
