package state

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// maxAttempts bounds the retries of a transaction that lost a race for a
// number (run number, audit sequence) to another process.
const maxAttempts = 100

// timeLayout stores SQLite times as fixed-width UTC text (sortable);
// PostgreSQL gets time.Time for TIMESTAMPTZ.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// q rewrites the ? placeholders of query for the store's dialect. No query
// in this package has a literal question mark.
func (s *Store) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// norm is the precision both backends keep: microseconds, in UTC.
func norm(t time.Time) time.Time { return t.Truncate(time.Microsecond).UTC() }

// t is a time as a query argument; the zero time is NULL.
func (s *Store) t(v time.Time) any {
	if v.IsZero() {
		return nil
	}
	if s.postgres {
		return norm(v)
	}
	return norm(v).Format(timeLayout)
}

// nullTime scans a time stored by either backend; NULL is the zero time.
type nullTime struct{ t *time.Time }

func (n nullTime) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*n.t = time.Time{}
	case time.Time:
		*n.t = v.UTC()
	case string:
		return n.parse(v)
	case []byte:
		return n.parse(string(v))
	default:
		return fmt.Errorf("scan time: unexpected %T", src)
	}
	return nil
}

func (n nullTime) parse(v string) error {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return fmt.Errorf("scan time: %w", err)
	}
	*n.t = t.UTC()
	return nil
}

// inTx runs fn in a transaction (BEGIN IMMEDIATE on SQLite) and commits,
// running it again when it lost a race on a unique key.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for range maxAttempts {
		err := s.tryTx(ctx, fn)
		if !isUniqueViolation(err) {
			return err
		}
	}
	return fmt.Errorf("gave up after %d attempts: concurrent writers kept taking the same number", maxAttempts)
}

func (s *Store) tryTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }
