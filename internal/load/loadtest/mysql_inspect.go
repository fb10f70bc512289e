package loadtest

import (
	"database/sql"
	"fmt"
	"testing"

	driver "github.com/go-sql-driver/mysql"

	"github.com/handover/handover/internal/testenv"
)

// MySQL is the harness of a MySQL / MariaDB backend opened by open: a
// fresh database per test (testenv.FreshMySQL), inspected through
// database/sql.
func MySQL(open OpenFunc) Harness {
	return Harness{
		Open:    open,
		Fresh:   func(t *testing.T) string { return FreshMySQL(t) },
		Inspect: func(t *testing.T, dsn string) Inspector { return OpenMySQLInspector(t, dsn) },
	}
}

// FreshMySQL creates a fresh database on the HANDOVER_TEST_MYSQL server
// and returns its mysql:// URL.
func FreshMySQL(t testing.TB) string {
	cfg, err := driver.ParseDSN(testenv.FreshMySQL(t))
	if err != nil {
		t.Fatal(err)
	}
	auth := cfg.User
	if cfg.Passwd != "" {
		auth += ":" + cfg.Passwd
	}
	return "mysql://" + auth + "@" + cfg.Addr + "/" + cfg.DBName
}

// MySQLInspector reads a MySQL / MariaDB database with SQL.
type MySQLInspector struct{ db *sql.DB }

// OpenMySQLInspector connects to the database of a mysql:// URL.
func OpenMySQLInspector(t testing.TB, dsn string) *MySQLInspector {
	cfg, err := driver.ParseDSN(mysqlDriverDSN(t, dsn))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &MySQLInspector{db: db}
}

// mysqlDriverDSN turns mysql://user:pw@host:port/db into the driver's
// user:pw@tcp(host:port)/db.
func mysqlDriverDSN(t testing.TB, dsn string) string {
	var user, rest string
	if _, err := fmt.Sscanf(dsn, "mysql://%s", &rest); err != nil {
		t.Fatalf("%s: %v", dsn, err)
	}
	at := len(rest)
	for i := range rest {
		if rest[i] == '@' {
			at = i
		}
	}
	user, rest = rest[:at], rest[at+1:]
	slash := len(rest)
	for i := range rest {
		if rest[i] == '/' {
			slash = i
			break
		}
	}
	return user + "@tcp(" + rest[:slash] + ")" + rest[slash:]
}

// Table returns the rows of a table.
func (s *MySQLInspector) Table(t testing.TB, table string) []Row {
	t.Helper()
	order := orderOf(table)
	if table == "handover_rows" {
		order = "entity, `key`"
	}
	return SQLTable(t, s.db, "SELECT * FROM "+table+" ORDER BY "+order)
}

// CreateTable creates a table with a BIGINT AUTO_INCREMENT id.
func (s *MySQLInspector) CreateTable(t testing.TB, table string, cols ...Column) {
	t.Helper()
	s.Exec(t, createTable(table, "BIGINT AUTO_INCREMENT PRIMARY KEY", map[ColumnType]string{TextColumn: "VARCHAR(255)",
		KeyColumn: "VARCHAR(255) NOT NULL UNIQUE", IntegerColumn: "BIGINT", BooleanColumn: "BOOLEAN"}, cols))
}

// Rows runs a query and returns its rows, every value as text, NULL as
// "NULL".
func (s *MySQLInspector) Rows(t testing.TB, q string) [][]string {
	t.Helper()
	return SQLRows(t, s.db, q)
}

// Exec runs a statement.
func (s *MySQLInspector) Exec(t testing.TB, q string) {
	t.Helper()
	if _, err := s.db.Exec(q); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TryExec runs one statement and returns its error.
func (s *MySQLInspector) TryExec(q string) error {
	_, err := s.db.Exec(q)
	return err
}

// Tables lists the tables.
func (s *MySQLInspector) Tables(t testing.TB) []string {
	var names []string
	q := `SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name != 'test_versions' ORDER BY 1`
	for _, r := range s.Rows(t, q) {
		names = append(names, r[0])
	}
	return names
}

// mysqlRowID identifies a row of table in the version triggers.
func mysqlRowID(table, alias string) string {
	if table == "handover_rows" {
		return "CONCAT(" + alias + ".entity, '/', " + alias + ".`key`)"
	}
	return "CAST(" + alias + ".id AS CHAR)"
}

// TrackVersions counts the writes to each row with triggers.
func (s *MySQLInspector) TrackVersions(t testing.TB, tables ...string) {
	s.Exec(t, "CREATE TABLE IF NOT EXISTS test_versions (tbl VARCHAR(64), rid VARCHAR(600), n INT, PRIMARY KEY (tbl, rid))")
	for _, tb := range tables {
		for _, ev := range []string{"UPDATE", "DELETE"} {
			s.Exec(t, fmt.Sprintf(`CREATE TRIGGER test_%[1]s_%[2]s AFTER %[2]s ON %[1]s FOR EACH ROW
				INSERT INTO test_versions VALUES ('%[1]s', %[3]s, 1) ON DUPLICATE KEY UPDATE n = n + 1`, tb, ev, mysqlRowID(tb, "OLD")))
		}
	}
}

// Versions maps rows to how often they were written since TrackVersions.
func (s *MySQLInspector) Versions(t testing.TB, table string) map[string]string {
	m := map[string]string{}
	q := fmt.Sprintf(`SELECT %[2]s, coalesce(v.n, 0) FROM %[1]s t LEFT JOIN test_versions v ON v.tbl = '%[1]s' AND v.rid = %[2]s`,
		table, mysqlRowID(table, "t"))
	for _, r := range s.Rows(t, q) {
		m[r[0]] = r[1]
	}
	for _, r := range s.Rows(t, fmt.Sprintf(`SELECT rid, n FROM test_versions WHERE tbl = '%s'`, table)) {
		if _, ok := m[r[0]]; !ok {
			m[r[0]] = "deleted " + r[1]
		}
	}
	return m
}
