package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"modernc.org/libc"
	msqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
)

// withCConn runs fn on the C connection under a fresh database's only
// connection, with a table t (k TEXT UNIQUE, n INTEGER, b BLOB).
func withCConn(t *testing.T, fn func(c *cConn, prep func(q string) *cStmt)) *sql.DB {
	t.Helper()
	return withDriverConn(t, func(_ any, c *cConn, prep func(string) *cStmt) { fn(c, prep) })
}

// withDriverConn is withCConn with the driver's connection as well.
func withDriverConn(t *testing.T, fn func(dc any, c *cConn, prep func(q string) *cStmt)) *sql.DB {
	t.Helper()
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	if _, err := db.Exec("CREATE TABLE t (k TEXT UNIQUE, n INTEGER, b BLOB)"); err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	err = conn.Raw(func(dc any) error {
		c, err := cConnOf(dc)
		if err != nil {
			return err
		}
		defer c.close()
		var stmts []*cStmt
		defer func() {
			for _, s := range stmts {
				s.d.Close()
			}
		}()
		fn(dc, c, func(q string) *cStmt {
			d, err := dc.(driver.ConnPrepareContext).PrepareContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			s, err := prepare(d)
			if err != nil {
				d.Close()
				t.Fatal(err)
			}
			stmts = append(stmts, s)
			return s
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// TestCStmtBindsEveryKind: null, integers, texts (with NUL bytes and
// UTF-8), blobs (empty but not null, and nil as null) arrive as bound,
// also when a later, longer statement moved the text buffer and the first
// statement runs again.
func TestCStmtBindsEveryKind(t *testing.T) {
	long := strings.Repeat("ü", 70<<10) // more than the buffer's first 64 KiB
	db := withCConn(t, func(c *cConn, prep func(string) *cStmt) {
		one := prep("INSERT INTO t (k, n, b) VALUES (?, ?, ?)")
		two := prep("INSERT INTO t (k, n, b) VALUES (?, ?, ?), (?, ?, ?)")
		runs := []struct {
			s    *cStmt
			args []sqlArg
		}{
			{one, []sqlArg{textArg("a\x00b"), intArg(-1 << 62), blobArg([]byte{})}},
			{two, []sqlArg{textArg(long), {}, blobArg(nil), textArg("ä"), intArg(7), blobArg([]byte{0, 1, 2})}},
			{one, []sqlArg{textArg("c"), intArg(0), blobArg(bytes.Repeat([]byte{9}, 100))}},
		}
		for _, r := range runs {
			n, err := c.exec(r.s, r.args)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(len(r.args) / 3); n != want {
				t.Errorf("changes = %d, want %d", n, want)
			}
		}
	})
	rows, err := db.Query("SELECT k, typeof(n), n, typeof(b), b FROM t ORDER BY rowid")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type row struct {
		k, nType string
		n        sql.NullInt64
		bType    string
		b        []byte
	}
	want := []row{
		{"a\x00b", "integer", sql.NullInt64{Int64: -1 << 62, Valid: true}, "blob", nil},
		{long, "null", sql.NullInt64{}, "null", nil},
		{"ä", "integer", sql.NullInt64{Int64: 7, Valid: true}, "blob", []byte{0, 1, 2}},
		{"c", "integer", sql.NullInt64{Int64: 0, Valid: true}, "blob", bytes.Repeat([]byte{9}, 100)},
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.k, &r.nType, &r.n, &r.bType, &r.b); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.k != w.k || g.nType != w.nType || g.n != w.n || g.bType != w.bType || !bytes.Equal(g.b, w.b) {
			t.Errorf("row %d = %q %s %v %s %v, want %q %s %v %s %v", i+1,
				short(g.k), g.nType, g.n, g.bType, g.b, short(w.k), w.nType, w.n, w.bType, w.b)
		}
	}
}

func short(s string) string {
	if len(s) > 10 {
		return s[:10] + "…"
	}
	return s
}

// TestCStmtErrors: a constraint violation is SQLite's error with its
// extended code and message, and leaves the statement usable; a wrong
// number of arguments is refused before anything runs.
func TestCStmtErrors(t *testing.T) {
	db := withCConn(t, func(c *cConn, prep func(string) *cStmt) {
		s := prep("INSERT INTO t (k) VALUES (?)")
		if _, err := c.exec(s, []sqlArg{textArg("x")}); err != nil {
			t.Fatal(err)
		}
		_, err := c.exec(s, []sqlArg{textArg("x")})
		var se *sqliteError
		if !errors.As(err, &se) || se.code != sqlite3.SQLITE_CONSTRAINT_UNIQUE || !strings.Contains(se.msg, "UNIQUE constraint failed: t.k") {
			t.Errorf("second insert of x: %v, want SQLite's UNIQUE constraint error (%d)", err, sqlite3.SQLITE_CONSTRAINT_UNIQUE)
		}
		if _, err := c.exec(s, []sqlArg{textArg("x"), intArg(1)}); err == nil || !strings.Contains(err.Error(), "1 parameters, 2 arguments") {
			t.Errorf("two arguments for one parameter: %v", err)
		}
		if _, err := c.exec(s, []sqlArg{textArg("y")}); err != nil {
			t.Errorf("insert after the errors: %v", err)
		}
	})
	var keys string
	if err := db.QueryRow("SELECT group_concat(k, ',') FROM t").Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != "x,y" {
		t.Errorf("keys %q, want x,y", keys)
	}
}

// TestCStmtHoldsTheMutex: exec holds the connection's mutex across the
// statement — while it steps, SQLite's own hold comes on top of it, so
// that giving one back in the pre-update hook leaves it held for another
// thread — and gives it back however the statement ends: done, a
// constraint violation, arguments refused.
func TestCStmtHoldsTheMutex(t *testing.T) {
	withDriverConn(t, func(dc any, c *cConn, prep func(string) *cStmt) {
		mu, free := mutexFree(t, c)
		hooks, held := 0, 0
		hr, ok := dc.(msqlite.HookRegisterer)
		if !ok {
			t.Fatalf("the driver's connection %T has no hooks", dc)
		}
		hr.RegisterPreUpdateHook(func(msqlite.SQLitePreUpdateData) {
			hooks++
			sqlite3.Xsqlite3_mutex_leave(c.tls, mu) // the step's own hold
			if !free() {
				held++
			}
			sqlite3.Xsqlite3_mutex_enter(c.tls, mu)
		})
		defer hr.RegisterPreUpdateHook(nil)
		s := prep("INSERT INTO t (k) VALUES (?), (?)")
		if n, err := c.exec(s, []sqlArg{textArg("a"), textArg("b")}); err != nil || n != 2 || hooks != 2 || held != 2 {
			t.Errorf("insert of a, b: %d rows, %v; the mutex held in %d of %d hooks, want 2 of 2", n, err, held, hooks)
		}
		if !free() {
			t.Error("after an insert: the mutex is still held")
		}
		_, err := c.exec(s, []sqlArg{textArg("c"), textArg("a")})
		var se *sqliteError
		if !errors.As(err, &se) || se.code != sqlite3.SQLITE_CONSTRAINT_UNIQUE {
			t.Errorf("insert of c, a: %v, want SQLite's UNIQUE constraint error", err)
		}
		if !free() {
			t.Error("after a constraint violation: the mutex is still held")
		}
		if _, err := c.exec(s, []sqlArg{textArg("x")}); err == nil {
			t.Error("one argument for two parameters: no error")
		}
		if !free() {
			t.Error("after arguments refused: the mutex is still held")
		}
	})
}

// TestCConnOfRefusesOtherConnections: a connection that is not
// modernc.org/sqlite's is refused with a reason, not read.
func TestCConnOfRefusesOtherConnections(t *testing.T) {
	type conn struct{ db uintptr }
	for _, dc := range []any{nil, conn{}, &conn{db: 1}, &struct{ tls *int }{}} {
		if _, err := cConnOf(dc); err == nil {
			t.Errorf("cConnOf(%T): no error", dc)
		}
	}
	if _, err := prepare(nil); err == nil {
		t.Error("prepare(nil): no error")
	}
}

func TestRowsPerInsert(t *testing.T) {
	for _, c := range []struct{ cols, params, want int }{
		{22, 32766, sqliteInsertRows}, // the bench's contacts: 256 rows
		{4, 32766, sqliteInsertRows},
		{401, 32766, 81},
		{2001, 32766, 16},
		{40000, 32766, 1}, // more columns than parameters: one row at a time
	} {
		if got := rowsPerInsert(c.cols, c.params); got != c.want {
			t.Errorf("rowsPerInsert(%d, %d) = %d, want %d", c.cols, c.params, got, c.want)
		}
	}
}

// TestWideEntity: an entity with so many fields that sqliteInsertRows rows
// would need more parameters than a statement may have is imported in
// smaller statements, every row and value in place.
func TestWideEntity(t *testing.T) {
	const fields, rows = 400, 600
	e := &format.Entity{Name: "wide", Table: "wide", Key: "k"}
	for i := range fields {
		name := fmt.Sprint("f", i)
		if i == 0 {
			name = "k"
		}
		e.Fields = append(e.Fields, &format.Field{Name: name, Column: name, Type: format.String})
	}
	recs := make([]load.Record, rows)
	for r := range recs {
		vals := make([]string, fields)
		for i := range vals {
			vals[i] = fmt.Sprint(r, ".", i)
		}
		recs[r] = load.Record{Line: r + 2, Values: vals}
	}
	ctx := context.Background()
	dsn := "sqlite://" + filepath.Join(t.TempDir(), "wide.db")
	target, err := Open(ctx, dsn, load.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, &format.Format{Entities: []*format.Entity{e}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := tx.Load(ctx, e, &loadtest.SliceBatches{Rows: recs, N: 100})
	if err != nil {
		tx.Rollback(ctx)
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if c.Inserted != rows {
		t.Errorf("inserted %d, want %d", c.Inserted, rows)
	}
	db := target.(*sqliteTarget).db
	var n, books int
	var last string
	q := `SELECT count(*), (SELECT f399 FROM wide ORDER BY id DESC LIMIT 1) FROM wide WHERE "k" = (id - 1) || '.0' AND f399 = (id - 1) || '.399'`
	if err := db.QueryRow(q).Scan(&n, &last); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow("SELECT count(*) FROM handover_rows WHERE entity = 'wide'").Scan(&books); err != nil {
		t.Fatal(err)
	}
	if n != rows || books != rows || last != "599.399" {
		t.Errorf("%d rows with their values in place (last f399 %q), %d bookkeeping rows; want %d, 599.399, %d", n, last, books, rows, rows)
	}
}

// mutexFree returns c's connection mutex and a probe that reports
// whether another thread could take it now (taking and giving it back).
func mutexFree(t *testing.T, c *cConn) (mu uintptr, free func() bool) {
	other := libc.NewTLS()
	t.Cleanup(other.Close)
	mu = sqlite3.Xsqlite3_db_mutex(c.tls, c.db)
	return mu, func() bool {
		if sqlite3.Xsqlite3_mutex_try(other, mu) != sqlite3.SQLITE_OK {
			return false
		}
		sqlite3.Xsqlite3_mutex_leave(other, mu)
		return true
	}
}
