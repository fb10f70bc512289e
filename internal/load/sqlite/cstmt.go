package sqlite

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The writer binds and steps its prepared statements through SQLite's C
// API (modernc.org/sqlite/lib) instead of the driver's ExecContext: for
// every argument the driver looks the parameter up by name, allocates C
// memory for each text, frees it after the step and clears every binding
// again, and each call starts a goroutine watching the context — 17 % of
// an import's CPU (docs/BENCHMARKS.md section 3). Here the texts of one
// statement are copied into one C buffer the writer keeps, bound where
// they lie, and rebound by the next execution.
//
// modernc.org/sqlite does not export its connection's handle: cConnOf
// reads it from the driver's connection by reflection, checking the
// fields' names and types, and fails (no import starts) when a driver
// version lays them out otherwise; the conformance tests run every import
// through it.

// argKind is the SQLite type an argument is bound as.
type argKind uint8

const (
	argNull argKind = iota
	argInt
	argText
	argBlob
)

// sqlArg is one argument of a statement.
type sqlArg struct {
	s    string // argText, argBlob: the bytes
	n    int64  // argInt
	kind argKind
}

func intArg(n int64) sqlArg   { return sqlArg{n: n, kind: argInt} }
func textArg(s string) sqlArg { return sqlArg{s: s, kind: argText} }

// blobArg is b as a BLOB, or null for nil. The argument refers to b's
// bytes: they must not change until the statement has run.
func blobArg(b []byte) sqlArg {
	if b == nil {
		return sqlArg{}
	}
	return sqlArg{s: unsafe.String(unsafe.SliceData(b), len(b)), kind: argBlob}
}

// cConn is the SQLite connection under a driver connection, used by one
// goroutine while it holds the driver connection (sql.Conn.Raw).
type cConn struct {
	tls *libc.TLS
	db  uintptr // sqlite3*
	buf uintptr // C memory the texts of the statement being run are copied into
	mem []byte  // buf as a slice
}

// cConnOf returns the SQLite connection under dc, a modernc.org/sqlite
// driver connection.
func cConnOf(dc any) (*cConn, error) {
	v := reflect.ValueOf(dc)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("reach the SQLite connection: the driver's connection is a %T", dc)
	}
	tls, db := v.Elem().FieldByName("tls"), v.Elem().FieldByName("db")
	if !tls.IsValid() || tls.Type() != reflect.TypeFor[*libc.TLS]() || !db.IsValid() || db.Kind() != reflect.Uintptr {
		return nil, fmt.Errorf("reach the SQLite connection: %T has no fields tls *libc.TLS and db uintptr (a modernc.org/sqlite version other than go.mod's?)", dc)
	}
	c := &cConn{tls: (*libc.TLS)(tls.UnsafePointer()), db: uintptr(db.Uint())}
	if c.tls == nil || c.db == 0 {
		return nil, errors.New("reach the SQLite connection: the driver's connection is closed")
	}
	return c, nil
}

// close frees the text buffer.
func (c *cConn) close() {
	if c.buf != 0 {
		sqlite3.Xsqlite3_free(c.tls, c.buf)
		c.buf, c.mem = 0, nil
	}
}

// reserve makes the text buffer hold at least n bytes. Statements bound
// earlier may still point into the old buffer: every run binds all of its
// arguments again before it steps.
func (c *cConn) reserve(n int) error {
	if n <= len(c.mem) && c.buf != 0 {
		return nil
	}
	n = max(n, 2*len(c.mem), 64<<10)
	p := sqlite3.Xsqlite3_malloc64(c.tls, uint64(n))
	if p == 0 {
		return fmt.Errorf("bind arguments: out of memory (%d bytes of text)", n)
	}
	c.close()
	c.buf = p
	// p is C memory (modernc's allocator, not the Go heap): viewed as a
	// slice without converting the integer itself, which vet would flag.
	c.mem = unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), n)
	return nil
}

// lock takes the connection's mutex (sqlite3_db_mutex; the driver opens
// connections SQLITE_OPEN_FULLMUTEX), recursive: SQLite's calls on the
// same thread take it again by counting, where a free one costs modernc's
// libc a Go mutex besides its CAS. unlock gives it back.
func (c *cConn) lock() uintptr {
	mu := sqlite3.Xsqlite3_db_mutex(c.tls, c.db)
	sqlite3.Xsqlite3_mutex_enter(c.tls, mu)
	return mu
}

func (c *cConn) unlock(mu uintptr) { sqlite3.Xsqlite3_mutex_leave(c.tls, mu) }

// maxParams is how many parameters a statement may have.
func (c *cConn) maxParams() int {
	return int(sqlite3.Xsqlite3_limit(c.tls, c.db, sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, -1))
}

// cStmt is a statement prepared by the driver, run through the C API.
type cStmt struct {
	d driver.Stmt
	p uintptr // sqlite3_stmt*
}

// prepare prepares one statement through the driver, which keeps it and
// finalizes it on close.
func prepare(d driver.Stmt) (*cStmt, error) {
	v := reflect.ValueOf(d)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("reach the SQLite statement: the driver's statement is a %T", d)
	}
	p := v.Elem().FieldByName("pstmt")
	if !p.IsValid() || p.Kind() != reflect.Uintptr {
		return nil, fmt.Errorf("reach the SQLite statement: %T has no field pstmt uintptr (a modernc.org/sqlite version other than go.mod's?)", d)
	}
	if p.Uint() == 0 {
		return nil, errors.New("reach the SQLite statement: not one statement")
	}
	return &cStmt{d: d, p: uintptr(p.Uint())}, nil
}

// exec binds args to s, runs it and returns how many rows it changed. It
// holds the connection's mutex from the first bind to the reset, as query
// does from its first step: every bind takes it again (a multi-row INSERT
// binds thousands of arguments), and a mutex its thread holds already is
// taken by counting. The hold lasts one statement: the context is looked
// at between statements, and nothing else waits on an import's connection
// longer than a statement.
func (c *cConn) exec(s *cStmt, args []sqlArg) (int64, error) {
	mu := c.lock()
	defer c.unlock(mu)
	if err := c.bind(s.p, args); err != nil {
		return 0, err
	}
	rc := sqlite3.Xsqlite3_step(c.tls, s.p)
	if rc != sqlite3.SQLITE_DONE {
		err := c.err(rc)
		sqlite3.Xsqlite3_reset(c.tls, s.p)
		if rc == sqlite3.SQLITE_ROW {
			err = errors.New("the statement returned rows")
		}
		return 0, err
	}
	if rc := sqlite3.Xsqlite3_reset(c.tls, s.p); rc != sqlite3.SQLITE_OK {
		return 0, c.err(rc)
	}
	return sqlite3.Xsqlite3_changes64(c.tls, c.db), nil
}

// bind binds every parameter of p, copying texts and blobs into the
// buffer (SQLITE_STATIC: SQLite reads them there while the statement runs).
func (c *cConn) bind(p uintptr, args []sqlArg) error {
	if n := sqlite3.Xsqlite3_bind_parameter_count(c.tls, p); int(n) != len(args) {
		return fmt.Errorf("bind arguments: the statement has %d parameters, %d arguments given", n, len(args))
	}
	size := 0
	for i := range args {
		if len(args[i].s) > math.MaxInt32 { // the C API's lengths are int32
			return fmt.Errorf("bind argument %d: %d bytes, more than SQLite takes", i+1, len(args[i].s))
		}
		size += len(args[i].s)
	}
	if err := c.reserve(size); err != nil {
		return err
	}
	off := 0
	for i := range args {
		a := &args[i]
		var rc int32
		switch a.kind {
		case argNull:
			rc = sqlite3.Xsqlite3_bind_null(c.tls, p, int32(i+1))
		case argInt:
			rc = sqlite3.Xsqlite3_bind_int64(c.tls, p, int32(i+1), a.n)
		case argText:
			n := copy(c.mem[off:], a.s)
			rc = sqlite3.Xsqlite3_bind_text(c.tls, p, int32(i+1), c.buf+uintptr(off), int32(n), 0)
			off += n
		case argBlob:
			n := copy(c.mem[off:], a.s)
			rc = sqlite3.Xsqlite3_bind_blob(c.tls, p, int32(i+1), c.buf+uintptr(off), int32(n), 0)
			off += n
		}
		if rc != sqlite3.SQLITE_OK {
			return fmt.Errorf("bind argument %d: %w", i+1, c.err(rc))
		}
	}
	return nil
}

// sqliteError is a failed call of SQLite's C API.
type sqliteError struct {
	code int32 // extended result code
	msg  string
}

func (e *sqliteError) Error() string { return fmt.Sprintf("%s (%d)", e.msg, e.code) }

// err is the error of result code rc, with the connection's message.
func (c *cConn) err(rc int32) error {
	msg := libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	if ext := sqlite3.Xsqlite3_extended_errcode(c.tls, c.db); ext&0xff == rc&0xff {
		rc = ext
	}
	return &sqliteError{code: rc, msg: msg}
}
