package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/ncruces/go-sqlite3"
	"modernc.org/libc"
	lib "modernc.org/sqlite/lib"
)

// arg is one argument as handover's writer holds it.
type arg struct {
	s    string
	n    int64
	kind byte // 0 null, 1 integer, 2 text, 3 blob
}

// binder binds the arguments of one statement and runs it.
type binder interface {
	exec(stmt int, args []arg) error
}

// runDirect writes the rows as run does, through drv's own API.
func runDirect(drv, file string, header []string, rows [][]string) (time.Duration, time.Duration, error) {
	var (
		b     binder
		begin func() error
		end   func() error
	)
	start, cpu0 := time.Now(), cpuTime()
	switch drv {
	case "modernc-capi":
		m, err := openModernc(file, header)
		if err != nil {
			return 0, 0, err
		}
		defer m.close()
		start, cpu0 = time.Now(), cpuTime()
		b, begin, end = m, m.begin, m.commit
	default:
		n, err := openNcruces(file, header)
		if err != nil {
			return 0, 0, err
		}
		defer n.c.Close()
		start, cpu0 = time.Now(), cpuTime()
		b, begin, end = n, func() error { return n.c.Exec("BEGIN") }, func() error { return n.c.Exec("COMMIT") }
	}
	if err := begin(); err != nil {
		return 0, 0, err
	}
	args := make([]arg, 0, rowsPerInsert*len(header))
	bargs := make([]arg, 0, rowsPerInsert*3)
	fps := make([]byte, 0, rowsPerInsert*16)
	for i := 0; i+rowsPerInsert <= len(rows); i += rowsPerInsert {
		args, bargs, fps = args[:0], bargs[:0], fps[:0]
		for _, rec := range rows[i : i+rowsPerInsert] {
			id, _ := strconv.ParseInt(rec[0], 10, 64)
			args = append(args, arg{n: id, kind: 1})
			for _, v := range rec[1:] {
				if v == "" {
					args = append(args, arg{})
				} else {
					args = append(args, arg{s: v, kind: 2})
				}
			}
			fp := sha256.Sum256([]byte(strings.Join(rec, "\x00")))
			fps = append(fps, fp[:16]...)
			bargs = append(bargs, arg{s: rec[1], kind: 2}, arg{s: string(fp[:16]), kind: 3}, arg{n: id, kind: 1})
		}
		if err := b.exec(0, args); err != nil {
			return 0, 0, err
		}
		if err := b.exec(1, bargs); err != nil {
			return 0, 0, err
		}
	}
	if err := end(); err != nil {
		return 0, 0, err
	}
	return time.Since(start), cpuTime() - cpu0, nil
}

// ncruces writes through github.com/ncruces/go-sqlite3's Conn and Stmt.
type ncruces struct {
	c     *sqlite3.Conn
	stmts [2]*sqlite3.Stmt
}

func openNcruces(file string, header []string) (*ncruces, error) {
	c, err := sqlite3.Open(file)
	if err != nil {
		return nil, err
	}
	n := &ncruces{c: c}
	for _, q := range schema(header) {
		if err := c.Exec(q); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	for i, q := range []string{insertSQL(), bookSQL()} {
		if n.stmts[i], _, err = c.Prepare(q); err != nil {
			c.Close()
			return nil, err
		}
	}
	return n, nil
}

func (n *ncruces) exec(stmt int, args []arg) error {
	s := n.stmts[stmt]
	for i, a := range args {
		var err error
		switch a.kind {
		case 0:
			err = s.BindNull(i + 1)
		case 1:
			err = s.BindInt64(i+1, a.n)
		case 2:
			err = s.BindText(i+1, a.s)
		case 3:
			err = s.BindBlob(i+1, []byte(a.s))
		}
		if err != nil {
			return err
		}
	}
	return s.Exec()
}

// modernc writes through modernc.org/sqlite's C API, the statements
// prepared by its driver, as handover's loader does.
type modernc struct {
	db    *sql.DB
	conn  *sql.Conn
	dc    driver.Conn
	tls   *libc.TLS
	h     uintptr
	stmts [2]driver.Stmt
	ps    [2]uintptr
	buf   uintptr
	mem   []byte
	done  chan struct{}
	held  chan struct{}
}

func openModernc(file string, header []string) (*modernc, error) {
	db, err := sql.Open("sqlite", "file:"+file)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	for _, q := range schema(header) {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", q, err)
		}
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		db.Close()
		return nil, err
	}
	m := &modernc{db: db, conn: conn, done: make(chan struct{}), held: make(chan struct{})}
	// Raw holds the driver connection while its function runs: hold it
	// until close.
	go func() {
		conn.Raw(func(dc any) error {
			m.dc = dc.(driver.Conn)
			v := reflect.ValueOf(dc).Elem()
			m.tls = (*libc.TLS)(v.FieldByName("tls").UnsafePointer())
			m.h = uintptr(v.FieldByName("db").Uint())
			close(m.held)
			<-m.done
			return nil
		})
	}()
	<-m.held
	for i, q := range []string{insertSQL(), bookSQL()} {
		s, err := m.dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), q)
		if err != nil {
			return nil, err
		}
		m.stmts[i], m.ps[i] = s, uintptr(reflect.ValueOf(s).Elem().FieldByName("pstmt").Uint())
	}
	const size = 1 << 20
	m.buf = lib.Xsqlite3_malloc64(m.tls, size)
	m.mem = unsafe.Slice((*byte)(*(*unsafe.Pointer)(unsafe.Pointer(&m.buf))), size)
	return m, nil
}

func (m *modernc) run(q string) error {
	s, err := m.dc.(driver.ConnPrepareContext).PrepareContext(context.Background(), q)
	if err != nil {
		return err
	}
	defer s.Close()
	_, err = s.(driver.StmtExecContext).ExecContext(context.Background(), nil)
	return err
}

func (m *modernc) begin() error  { return m.run("BEGIN") }
func (m *modernc) commit() error { return m.run("COMMIT") }

func (m *modernc) close() {
	for _, s := range m.stmts {
		if s != nil {
			s.Close()
		}
	}
	lib.Xsqlite3_free(m.tls, m.buf)
	close(m.done)
	m.conn.Close()
	m.db.Close()
}

func (m *modernc) exec(stmt int, args []arg) error {
	p, off := m.ps[stmt], 0
	for i, a := range args {
		var rc int32
		switch a.kind {
		case 0:
			rc = lib.Xsqlite3_bind_null(m.tls, p, int32(i+1))
		case 1:
			rc = lib.Xsqlite3_bind_int64(m.tls, p, int32(i+1), a.n)
		case 2:
			n := copy(m.mem[off:], a.s)
			rc = lib.Xsqlite3_bind_text(m.tls, p, int32(i+1), m.buf+uintptr(off), int32(n), 0)
			off += n
		case 3:
			n := copy(m.mem[off:], a.s)
			rc = lib.Xsqlite3_bind_blob(m.tls, p, int32(i+1), m.buf+uintptr(off), int32(n), 0)
			off += n
		}
		if rc != lib.SQLITE_OK {
			return fmt.Errorf("bind %d: %d", i+1, rc)
		}
	}
	rc := lib.Xsqlite3_step(m.tls, p)
	lib.Xsqlite3_reset(m.tls, p)
	if rc != lib.SQLITE_DONE {
		return fmt.Errorf("step: %s", libc.GoString(lib.Xsqlite3_errmsg(m.tls, m.h)))
	}
	return nil
}
