package testenv

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MySQLVar names the MySQL / MariaDB server for integration tests, in the
// driver's DSN form, e.g. root@tcp(127.0.0.1:3306)/test (scripts/test sets
// it to the local server when one answers).
const MySQLVar = "HANDOVER_TEST_MYSQL"

// MySQL returns the DSN from HANDOVER_TEST_MYSQL, or skips (fails under
// HANDOVER_TEST_DISALLOW_SKIP=1) when it is unset.
func MySQL(t testing.TB) string {
	t.Helper()
	return need(t, MySQLVar, "MySQL/MariaDB")
}

// FreshMySQL creates a uniquely named, empty database (ht_<random>) on the
// HANDOVER_TEST_MYSQL server, drops it when the test ends, and returns its
// DSN in the driver's form (the server's DSN with the database replaced).
func FreshMySQL(t testing.TB) string {
	t.Helper()
	base := MySQL(t)
	cfg, err := mysql.ParseDSN(base)
	if err != nil {
		t.Fatalf("%s must be a DSN such as root@tcp(127.0.0.1:3306)/test: %v", MySQLVar, err)
	}
	name := "ht_" + randomHex(t)
	mysqlAdmin(t, base, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4")
	t.Cleanup(func() { mysqlAdmin(t, base, "DROP DATABASE IF EXISTS "+name) })
	cfg.DBName = name
	return cfg.FormatDSN()
}

// mysqlAdmin runs one statement on the server.
func mysqlAdmin(t testing.TB, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", MySQLVar, err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}
