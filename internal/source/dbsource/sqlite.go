package dbsource

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	_ "modernc.org/sqlite" // the pure-Go SQLite driver
)

type sqliteConn struct {
	db      *sql.DB
	conn    *sql.Conn
	version string
}

// sqlitePath is the file of sqlite://PATH, relative to dir unless absolute.
func sqlitePath(dsn, dir string) (string, error) {
	_, rest, _ := strings.Cut(dsn, "://")
	rest, _, _ = strings.Cut(rest, "?")
	p, err := url.PathUnescape(rest)
	if err != nil || p == "" {
		return "", fmt.Errorf("the path is empty or invalid")
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return p, nil
}

func openSQLite(ctx context.Context, dsn, dir string) (Conn, error) {
	path, err := sqlitePath(dsn, dir)
	if err != nil {
		return nil, err
	}
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	c := &sqliteConn{db: db, conn: conn}
	// One read transaction: every query of it sees the same database.
	if _, err := conn.ExecContext(ctx, "BEGIN"); err != nil {
		c.Close()
		return nil, err
	}
	if err := conn.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&c.version); err != nil {
		c.Close()
		return nil, fmt.Errorf("open %s: %w", filepath.Base(path), err)
	}
	c.version = "SQLite " + c.version
	return c, nil
}

func (c *sqliteConn) Server() string { return c.version }

func (c *sqliteConn) Snapshot(ctx context.Context, query string, w io.Writer, meta *Meta) error {
	meta.Snapshot = "one read transaction"
	rows, err := c.conn.QueryContext(ctx, query)
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	header := make([]string, len(types))
	decl := make([]string, len(types))
	for i, t := range types {
		header[i], decl[i] = t.Name(), strings.ToUpper(t.DatabaseTypeName())
		meta.Columns = append(meta.Columns, Column{Name: t.Name(), Type: decl[i]})
	}
	out, err := newCSV(w, header)
	if err != nil {
		return err
	}
	vals := make([]any, len(types))
	dest := make([]any, len(types))
	for i := range vals {
		dest[i] = &vals[i]
	}
	rec := make([]string, len(types))
	binary := map[string]bool{}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range vals {
			var bin bool
			rec[i], bin = sqliteText(decl[i], v)
			if bin {
				binary[header[i]] = true
			}
		}
		if err := out.write(rec); err != nil {
			return err
		}
		meta.Rows++
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(binary) > 0 {
		var cols []string
		for _, h := range header {
			if binary[h] {
				cols = append(cols, h)
			}
		}
		meta.Notes = append(meta.Notes, binaryNote(cols))
	}
	return out.flush()
}

// sqliteText is a value as text; bin reports a BLOB written as base64.
func sqliteText(decl string, v any) (s string, bin bool) {
	switch v := v.(type) {
	case nil:
		return "", false
	case int64:
		return strconv.FormatInt(v, 10), false
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), false
	case string:
		return v, false
	case []byte:
		if strings.Contains(decl, "BLOB") || !utf8.Valid(v) {
			return base64.StdEncoding.EncodeToString(v), true
		}
		return string(v), false
	case time.Time:
		return isoTime(decl, v), false
	case bool:
		return strconv.FormatBool(v), false
	}
	return fmt.Sprint(v), false
}

// isoTime writes a time the driver parsed from a DATE / DATETIME column
// back as ISO text.
func isoTime(decl string, t time.Time) string {
	if strings.Contains(decl, "DATE") && !strings.Contains(decl, "TIME") && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	layout := "2006-01-02 15:04:05.999999999"
	if _, off := t.Zone(); off != 0 {
		layout += "-07:00"
	}
	return t.Format(layout)
}

func (c *sqliteConn) Close() error {
	c.conn.ExecContext(context.Background(), "ROLLBACK")
	c.conn.Close()
	return c.db.Close()
}
