package dbsource

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"io"
	"net/url"
	"strings"

	"github.com/go-sql-driver/mysql"
)

// mysqlBinary are the column types whose values are bytes, not text.
var mysqlBinary = map[string]bool{
	"BLOB": true, "TINYBLOB": true, "MEDIUMBLOB": true, "LONGBLOB": true,
	"BINARY": true, "VARBINARY": true, "BIT": true, "GEOMETRY": true,
}

type mysqlConn struct {
	db      *sql.DB
	conn    *sql.Conn
	version string
}

// mysqlConfig turns mysql://user:pass@host:port/db?param=v into the
// driver's configuration.
func mysqlConfig(dsn string) (*mysql.Config, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, fmt.Errorf("not a valid URL")
	}
	host := u.Host
	if u.Port() == "" {
		host += ":3306"
	}
	cfg, err := mysql.ParseDSN("tcp(" + host + ")/" + strings.TrimPrefix(u.Path, "/") + "?" + u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("invalid parameters: %w", err)
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	return cfg, nil
}

func openMySQL(ctx context.Context, dsn string) (Conn, error) {
	cfg, err := mysqlConfig(dsn)
	if err != nil {
		return nil, err
	}
	cfg.ParseTime = false // dates as the server prints them
	connector, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(connector)
	conn, err := db.Conn(ctx)
	if err != nil {
		db.Close()
		return nil, err
	}
	c := &mysqlConn{db: db, conn: conn}
	for _, stmt := range []string{
		"SET time_zone = '+00:00'",
		"SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
		"START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
	} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			c.Close()
			return nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	var version, comment string
	if err := conn.QueryRowContext(ctx, "SELECT VERSION(), @@version_comment").Scan(&version, &comment); err != nil {
		c.Close()
		return nil, fmt.Errorf("read the server version: %w", err)
	}
	c.version = strings.TrimSpace(comment + " " + version)
	return c, nil
}

func (c *mysqlConn) Server() string { return c.version }

func (c *mysqlConn) Snapshot(ctx context.Context, query string, w io.Writer, meta *Meta) error {
	meta.Snapshot = "REPEATABLE READ, WITH CONSISTENT SNAPSHOT, READ ONLY"
	rows, err := c.conn.QueryContext(ctx, query) // no arguments: the text protocol
	if err != nil {
		return err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return err
	}
	header := make([]string, len(types))
	kinds := make([]string, len(types))
	var binary []string
	for i, t := range types {
		header[i], kinds[i] = t.Name(), strings.ToUpper(t.DatabaseTypeName())
		meta.Columns = append(meta.Columns, Column{Name: t.Name(), Type: kinds[i]})
		if mysqlBinary[kinds[i]] {
			binary = append(binary, t.Name())
		}
	}
	out, err := newCSV(w, header)
	if err != nil {
		return err
	}
	raw := make([]sql.RawBytes, len(types))
	dest := make([]any, len(types))
	for i := range raw {
		dest[i] = &raw[i]
	}
	rec := make([]string, len(types))
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		for i, v := range raw {
			rec[i] = mysqlText(kinds[i], v)
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
		meta.Notes = append(meta.Notes, binaryNote(binary))
	}
	return out.flush()
}

func mysqlText(kind string, v []byte) string {
	switch {
	case v == nil:
		return ""
	case mysqlBinary[kind]:
		return base64.StdEncoding.EncodeToString(v)
	case kind == "FLOAT":
		return plainFloat(string(v), 32)
	case kind == "DOUBLE":
		return plainFloat(string(v), 64)
	}
	return string(v)
}

func (c *mysqlConn) Close() error {
	c.conn.ExecContext(context.Background(), "ROLLBACK")
	c.conn.Close()
	return c.db.Close()
}
