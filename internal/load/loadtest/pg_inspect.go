package loadtest

import (
	"context"
	"fmt"
	"testing"

	"github.com/handover/handover/internal/testenv"
	"github.com/jackc/pgx/v5"
)

// Postgres is the harness of a PostgreSQL backend opened by open: a fresh
// database per test (testenv.FreshPostgres), inspected through pgx.
func Postgres(open OpenFunc) Harness {
	return Harness{
		Open:    open,
		Fresh:   func(t *testing.T) string { return testenv.FreshPostgres(t) },
		Inspect: func(t *testing.T, dsn string) Inspector { return OpenPostgresInspector(t, dsn) },
	}
}

// PostgresInspector reads a PostgreSQL database with SQL.
type PostgresInspector struct{ conn *pgx.Conn }

// OpenPostgresInspector connects to the database of dsn.
func OpenPostgresInspector(t *testing.T, dsn string) *PostgresInspector {
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &PostgresInspector{conn: conn}
}

// Table returns the rows of a table.
func (s *PostgresInspector) Table(t testing.TB, table string) []Row {
	t.Helper()
	rows := s.Rows(t, "SELECT * FROM "+table+" ORDER BY "+orderOf(table))
	return namedRows(s.columns(t, table), rows)
}

// columns lists the columns of a table in order.
func (s *PostgresInspector) columns(t testing.TB, table string) []string {
	var cols []string
	q := "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '" + table + "' ORDER BY ordinal_position"
	for _, r := range s.Rows(t, q) {
		cols = append(cols, r[0])
	}
	return cols
}

// CreateTable creates a table with a bigserial id.
func (s *PostgresInspector) CreateTable(t testing.TB, table string, cols ...Column) {
	t.Helper()
	s.Exec(t, createTable(table, "bigserial PRIMARY KEY", map[ColumnType]string{TextColumn: "text", KeyColumn: "text NOT NULL UNIQUE",
		IntegerColumn: "bigint", BooleanColumn: "boolean"}, cols))
}

// Rows runs a query and returns its rows, every value as text, NULL as
// "NULL".
func (s *PostgresInspector) Rows(t testing.TB, q string) [][]string {
	t.Helper()
	rows, err := s.conn.Query(context.Background(), q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	var out [][]string
	for rows.Next() {
		raw := rows.RawValues()
		r := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				r[i] = "NULL"
			} else {
				r[i] = string(v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// Exec runs a statement.
func (s *PostgresInspector) Exec(t testing.TB, q string) {
	t.Helper()
	if _, err := s.conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Tables lists the tables, a partitioned one once (its partitions are
// how it is stored).
func (s *PostgresInspector) Tables(t testing.TB) []string {
	var names []string
	const q = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`
	for _, r := range s.Rows(t, q) {
		names = append(names, r[0])
	}
	return names
}

// TrackVersions needs nothing: xmin changes whenever a row is written.
func (s *PostgresInspector) TrackVersions(t testing.TB, tables ...string) {}

// Versions maps rows to their xmin, which changes whenever one is written.
func (s *PostgresInspector) Versions(t testing.TB, table string) map[string]string {
	row := "id::text"
	if table == "handover_rows" {
		row = "entity || '/' || key"
	}
	m := map[string]string{}
	for _, r := range s.Rows(t, fmt.Sprintf(`SELECT %s, xmin::text FROM %s`, row, table)) {
		m[r[0]] = r[1]
	}
	return m
}
