// Package dbsource snapshots tables and queries of a legacy database
// (PostgreSQL, MySQL/MariaDB, SQLite) into files of an extraction: one
// canonical CSV per source (UTF-8, a header, `,`, RFC 4180 quoting) and a
// small JSON file with the query, the server version and the time. All the
// sources on one database are read in one consistent snapshot (REPEATABLE
// READ / START TRANSACTION WITH CONSISTENT SNAPSHOT), row by row: memory
// does not grow with the table.
//
// Values are the text the database prints: dates ISO (YYYY-MM-DD),
// decimals and floats without exponent, NULL as an empty value; binary
// columns (bytea, BLOB, VARBINARY) are base64, which the metadata notes.
package dbsource

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/handover/handover/internal/redact"
)

// Meta describes one snapshot; it is written beside the CSV.
type Meta struct {
	Entity   string    `json:"entity"`
	Database string    `json:"database"` // the connection URL with its credentials hidden
	Server   string    `json:"server"`   // the server's version
	Table    string    `json:"table,omitempty"`
	Query    string    `json:"query"`
	Snapshot string    `json:"snapshot"` // how consistency was obtained
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Rows     int64     `json:"rows"`
	Columns  []Column  `json:"columns"`
	Notes    []string  `json:"notes,omitempty"`
}

// Column is one column of a snapshot and the database's type for it.
type Column struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Conn is an open read-only snapshot of one database.
type Conn interface {
	// Server is the server's name and version.
	Server() string
	// Snapshot runs query inside the snapshot and writes its rows to w as
	// CSV; meta receives the columns, the row count and the notes.
	Snapshot(ctx context.Context, query string, w io.Writer, meta *Meta) error
	// Close ends the snapshot (it never wrote anything) and the connection.
	Close() error
}

// Open connects to the database at dsn and starts a consistent, read-only
// snapshot. dsn is postgres://…, mysql://… or mariadb://…, or
// sqlite://PATH (relative to dir). Errors never show a credential.
func Open(ctx context.Context, dsn, dir string) (Conn, error) {
	scheme, _, ok := strings.Cut(dsn, "://")
	if !ok {
		return nil, errors.New("source database: not a URL such as postgres://…, mysql://… or sqlite://… (the value is not shown: it may hold a password)")
	}
	var c Conn
	var err error
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		c, err = openPostgres(ctx, dsn)
	case "mysql", "mariadb":
		c, err = openMySQL(ctx, dsn)
	case "sqlite", "sqlite3", "file":
		c, err = openSQLite(ctx, dsn, dir)
	default:
		return nil, fmt.Errorf("source database %s: unsupported scheme %q (postgres, mysql, mariadb, sqlite)", redact.DSN(dsn), scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("source database %s: %s", redact.DSN(dsn), hide(err.Error(), dsn))
	}
	return c, nil
}

// hide removes the password of dsn from a driver's message.
func hide(msg, dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if p, ok := u.User.Password(); ok && p != "" {
			msg = strings.ReplaceAll(msg, p, "***")
			if q := url.QueryEscape(p); q != p {
				msg = strings.ReplaceAll(msg, q, "***")
			}
		}
	}
	return redact.DSN(msg)
}

// TableQuery is the query that reads a whole table; name may be qualified
// (schema.table); quote is the dialect's identifier quote.
func TableQuery(name string, quote byte) string {
	parts := strings.Split(name, ".")
	for i, p := range parts {
		q := string(quote)
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return "SELECT * FROM " + strings.Join(parts, ".")
}

// csvOut writes the canonical CSV: `,`, LF line ends, quotes only where
// needed.
type csvOut struct {
	w *csv.Writer
}

func newCSV(w io.Writer, header []string) (*csvOut, error) {
	c := &csvOut{w: csv.NewWriter(w)}
	if err := c.w.Write(header); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *csvOut) write(rec []string) error { return c.w.Write(rec) }

func (c *csvOut) flush() error {
	c.w.Flush()
	return c.w.Error()
}

// binaryNote is the note a snapshot with binary columns carries.
func binaryNote(cols []string) string {
	return fmt.Sprintf("binary columns are base64: %s", strings.Join(cols, ", "))
}
