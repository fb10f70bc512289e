package sqlite

import (
	"context"
	"database/sql/driver"
	"fmt"
	"unsafe"

	sqlite3 "modernc.org/sqlite/lib"
)

// The bookkeeping and the unique values an import reads back are read
// through SQLite's C API as the writer writes (cstmt.go): database/sql's
// Rows.Next converts every column into a driver.Value (a copy of each
// text and blob), under its locks, and Scan converts it again — three
// quarters of what reading a million entries of bookkeeping cost
// (docs/BENCHMARKS.md section 18, session 6). Here a row's columns are
// read where SQLite holds them, and handed on without a copy.

// cRow is the current row of a statement being stepped. What its values
// return is valid until the next step: callers copy what they keep.
type cRow struct {
	c *cConn
	p uintptr // sqlite3_stmt*
}

// cValue is one column of the current row. Every sqlite3_column_* call
// takes and gives back the connection's mutex (a third of a column's
// cost in modernc's C): a column is taken once, as its sqlite3_value,
// and read with the sqlite3_value_* calls, which take none. SQLite calls
// such a value unprotected, safe on the connection's own thread only: the
// goroutine holding the driver connection is its only user.
type cValue struct {
	c *cConn
	v uintptr // sqlite3_value*
}

// col returns column i.
func (r cRow) col(i int) cValue {
	return cValue{c: r.c, v: sqlite3.Xsqlite3_column_value(r.c.tls, r.p, int32(i))}
}

// bytes returns column i's bytes (see cValue.bytes).
func (r cRow) bytes(i int) []byte { return r.col(i).bytes() }

// int64 returns column i as an integer.
func (r cRow) int64(i int) int64 { return r.col(i).int64() }

// kind is the value's storage class (sqliteInteger, …).
func (v cValue) kind() int32 { return sqlite3.Xsqlite3_value_type(v.c.tls, v.v) }

// bytes returns the value's bytes as a blob: nil for NULL, empty (not
// nil) for an empty text or blob. SQLite converts a number to its text.
func (v cValue) bytes() []byte {
	p := sqlite3.Xsqlite3_value_blob(v.c.tls, v.v)
	if p == 0 {
		if v.kind() == sqliteNull {
			return nil
		}
		return []byte{}
	}
	return cBytes(p, int(sqlite3.Xsqlite3_value_bytes(v.c.tls, v.v)))
}

// int64 returns the value as an integer.
func (v cValue) int64() int64 { return sqlite3.Xsqlite3_value_int64(v.c.tls, v.v) }

// float returns the value as a real.
func (v cValue) float() float64 { return sqlite3.Xsqlite3_value_double(v.c.tls, v.v) }

// cBytes views n bytes of C memory at p (modernc's allocator, not the Go
// heap) as a slice; empty, not nil, when there are none.
func cBytes(p uintptr, n int) []byte {
	if p == 0 || n <= 0 {
		return []byte{}
	}
	return unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&p))), n)
}

// cQueryCheck is how many rows are stepped between two looks at the
// context.
const cQueryCheck = 4096

// query binds args to s and calls fn with each row it returns. It holds
// the connection's mutex (cConn.lock) from the first step to the reset:
// every step and column call takes it again, and a free one costs
// modernc's libc a Go mutex besides — a fifth of reading a million
// entries of bookkeeping.
func (c *cConn) query(ctx context.Context, s *cStmt, args []sqlArg, fn func(r cRow) error) error {
	if err := c.bind(s.p, args); err != nil {
		return err
	}
	mu := c.lock()
	defer c.unlock(mu)
	defer sqlite3.Xsqlite3_reset(c.tls, s.p)
	r := cRow{c: c, p: s.p}
	for n := 1; ; n++ {
		if n%cQueryCheck == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		switch rc := sqlite3.Xsqlite3_step(c.tls, s.p); rc {
		case sqlite3.SQLITE_ROW:
			if err := fn(r); err != nil {
				return err
			}
		case sqlite3.SQLITE_DONE:
			return nil
		default:
			return c.err(rc)
		}
	}
}

// cQuery runs q on the transaction's connection through the C API and
// calls fn with each row (see cRow for how long its values last). fn runs
// while the driver connection is held (sql.Conn.Raw): it must not use the
// transaction.
func (x *sqliteTx) cQuery(ctx context.Context, q string, args []sqlArg, fn func(r cRow) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return x.tx.Raw(func(dc any) error {
		conn, ok := dc.(driver.ConnPrepareContext)
		if !ok {
			return fmt.Errorf("the driver's connection %T cannot prepare statements", dc)
		}
		c, err := cConnOf(dc)
		if err != nil {
			return err
		}
		defer c.close()
		d, err := conn.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		defer d.Close()
		s, err := prepare(d)
		if err != nil {
			return err
		}
		return c.query(ctx, s, args, fn)
	})
}

// SQLite's storage classes (sqlite3_column_type).
const (
	sqliteInteger = sqlite3.SQLITE_INTEGER
	sqliteFloat   = sqlite3.SQLITE_FLOAT
	sqliteNull    = sqlite3.SQLITE_NULL
)
