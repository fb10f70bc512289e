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
		IDDDL:   "bigserial PRIMARY KEY",
		Inspect: OpenPostgresInspector,
	}
}

type PostgresInspector struct{ conn *pgx.Conn }

func OpenPostgresInspector(t *testing.T, dsn string) Inspector {
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &PostgresInspector{conn: conn}
}

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

func (s *PostgresInspector) Exec(t testing.TB, q string) {
	t.Helper()
	if _, err := s.conn.Exec(context.Background(), q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func (s *PostgresInspector) Tables(t testing.TB) []string {
	var names []string
	for _, r := range s.Rows(t, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`) {
		names = append(names, r[0])
	}
	return names
}

// TrackVersions needs nothing: xmin changes whenever a row is written.
func (s *PostgresInspector) TrackVersions(t testing.TB, tables ...string) {}

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
