package dbsource

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PostgreSQL type OIDs whose text needs care.
const (
	oidBytea   = 17
	oidFloat4  = 700
	oidFloat8  = 701
	pgSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
)

type pgConn struct {
	conn    *pgx.Conn
	version string
}

func openPostgres(ctx context.Context, dsn string) (Conn, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	c := &pgConn{conn: conn}
	// Dates ISO, times in UTC: the same text whoever runs the snapshot.
	for _, stmt := range []string{"SET DateStyle = ISO, YMD", "SET TimeZone = 'UTC'", "SET IntervalStyle = iso_8601", pgSnapshot} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			conn.Close(ctx)
			return nil, fmt.Errorf("%s: %w", stmt, err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT version()").Scan(&c.version); err != nil {
		conn.Close(ctx)
		return nil, fmt.Errorf("read the server version: %w", err)
	}
	if i := strings.Index(c.version, " on "); i > 0 {
		c.version = c.version[:i]
	}
	return c, nil
}

func (c *pgConn) Server() string { return c.version }

func (c *pgConn) Snapshot(ctx context.Context, query string, w io.Writer, meta *Meta) error {
	meta.Snapshot = "REPEATABLE READ, READ ONLY"
	rr := c.conn.PgConn().ExecParams(ctx, query, nil, nil, nil, nil) // every result in text format
	fields := rr.FieldDescriptions()
	header := make([]string, len(fields))
	var binary []string
	for i, f := range fields {
		header[i] = f.Name
		typ := strconv.Itoa(int(f.DataTypeOID))
		if t, ok := c.conn.TypeMap().TypeForOID(f.DataTypeOID); ok {
			typ = t.Name
		}
		meta.Columns = append(meta.Columns, Column{Name: f.Name, Type: typ})
		if f.DataTypeOID == oidBytea {
			binary = append(binary, f.Name)
		}
	}
	out, err := newCSV(w, header)
	if err != nil {
		rr.Close()
		return err
	}
	rec := make([]string, len(fields))
	for rr.NextRow() {
		for i, v := range rr.Values() {
			rec[i] = pgText(fields[i].DataTypeOID, v)
		}
		if err := out.write(rec); err != nil {
			rr.Close()
			return err
		}
		meta.Rows++
	}
	if _, err := rr.Close(); err != nil {
		return err
	}
	if len(binary) > 0 {
		meta.Notes = append(meta.Notes, binaryNote(binary))
	}
	return out.flush()
}

// pgText is a value as the snapshot stores it: the server's text, floats
// without exponent, bytea as base64.
func pgText(oid uint32, v []byte) string {
	if v == nil {
		return ""
	}
	switch oid {
	case oidBytea:
		if raw, err := hex.DecodeString(strings.TrimPrefix(string(v), `\x`)); err == nil {
			return base64.StdEncoding.EncodeToString(raw)
		}
	case oidFloat4, oidFloat8:
		return plainFloat(string(v), map[uint32]int{oidFloat4: 32, oidFloat8: 64}[oid])
	}
	return string(v)
}

// plainFloat writes a float the database printed with an exponent
// without one; NaN and infinities stay as they are.
func plainFloat(s string, bits int) string {
	if !strings.ContainsAny(s, "eE") {
		return s
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		return s
	}
	return strconv.FormatFloat(f, 'f', -1, bits)
}

func (c *pgConn) Close() error {
	ctx := context.Background()
	c.conn.Exec(ctx, "ROLLBACK")
	return c.conn.Close(ctx)
}
