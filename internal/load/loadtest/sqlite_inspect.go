package loadtest

import (
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// SQLite is the harness of an SQLite backend opened by open: a fresh
// database file per test, inspected through database/sql.
func SQLite(open OpenFunc) Harness {
	return Harness{
		Open: open,
		Fresh: func(t *testing.T) string {
			return "sqlite://" + filepath.Join(t.TempDir(), "env.db")
		},
		Inspect: func(t *testing.T, dsn string) Inspector { return OpenSQLiteInspector(t, dsn) },
	}
}

// SQLiteInspector reads an SQLite database with SQL.
type SQLiteInspector struct{ db *sql.DB }

// OpenSQLiteInspector opens the database of an sqlite:// DSN.
func OpenSQLiteInspector(t *testing.T, dsn string) *SQLiteInspector {
	db, err := sql.Open("sqlite", dsn[len("sqlite://"):]+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &SQLiteInspector{db: db}
}

// Close closes the inspector's connections (the test's cleanup does too).
func (s *SQLiteInspector) Close() error { return s.db.Close() }

// Table returns the rows of a table.
func (s *SQLiteInspector) Table(t testing.TB, table string) []Row {
	t.Helper()
	return SQLTable(t, s.db, "SELECT * FROM "+table+" ORDER BY "+orderOf(table))
}

// CreateTable creates a table with an INTEGER PRIMARY KEY id.
func (s *SQLiteInspector) CreateTable(t testing.TB, table string, cols ...Column) {
	t.Helper()
	s.Exec(t, createTable(table, "INTEGER PRIMARY KEY", map[ColumnType]string{TextColumn: "TEXT", KeyColumn: "TEXT NOT NULL UNIQUE",
		IntegerColumn: "INTEGER", BooleanColumn: "BOOLEAN"}, cols))
}

// Rows runs a query and returns its rows, every value as text, NULL as
// "NULL".
func (s *SQLiteInspector) Rows(t testing.TB, q string) [][]string {
	t.Helper()
	return SQLRows(t, s.db, q)
}

// SQLRows runs a query and returns its rows, every value as text, NULL as
// "NULL".
func SQLRows(t testing.TB, db *sql.DB, q string) [][]string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		r := make([]string, len(cols))
		for i, v := range vals {
			switch v := v.(type) {
			case nil:
				r[i] = "NULL"
			case []byte:
				r[i] = string(v)
			default:
				r[i] = fmt.Sprint(v)
			}
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Exec runs a statement.
func (s *SQLiteInspector) Exec(t testing.TB, q string) {
	t.Helper()
	if _, err := s.db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// Tables lists the tables.
func (s *SQLiteInspector) Tables(t testing.TB) []string {
	var names []string
	for _, r := range s.Rows(t, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'test_versions' ORDER BY 1`) {
		names = append(names, r[0])
	}
	return names
}

// TrackVersions counts the writes to each row with triggers.
func (s *SQLiteInspector) TrackVersions(t testing.TB, tables ...string) {
	s.Exec(t, `CREATE TABLE IF NOT EXISTS test_versions (tbl TEXT, row TEXT, n INTEGER, PRIMARY KEY (tbl, row))`)
	for _, tb := range tables {
		row := "old.id"
		if tb == "handover_rows" {
			row = "old.entity || '/' || old.key"
		}
		for _, ev := range []string{"UPDATE", "DELETE"} {
			s.Exec(t, fmt.Sprintf(`CREATE TRIGGER test_%[1]s_%[2]s AFTER %[2]s ON %[1]s BEGIN
				INSERT INTO test_versions VALUES ('%[1]s', %[3]s, 1) ON CONFLICT (tbl, row) DO UPDATE SET n = n + 1; END`, tb, ev, row))
		}
	}
}

// Versions maps rows to how often they were written since TrackVersions.
func (s *SQLiteInspector) Versions(t testing.TB, table string) map[string]string {
	row := "t.id"
	if table == "handover_rows" {
		row = "t.entity || '/' || t.key"
	}
	m := map[string]string{}
	q := fmt.Sprintf(`SELECT %[2]s, coalesce(v.n, 0) FROM %[1]s t LEFT JOIN test_versions v ON v.tbl = '%[1]s' AND v.row = %[2]s`, table, row)
	for _, r := range s.Rows(t, q) {
		m[r[0]] = r[1]
	}
	// Deleted rows count as changed.
	for _, r := range s.Rows(t, fmt.Sprintf(`SELECT row, n FROM test_versions WHERE tbl = '%s'`, table)) {
		if _, ok := m[r[0]]; !ok {
			m[r[0]] = "deleted " + r[1]
		}
	}
	return m
}
