package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver

	"github.com/handover/handover/internal/testenv"
)

// benchTables are the tables bench/sql creates.
var benchTables = []string{"structures", "contacts"}

// TestSchemaFilesMatch: bench/run.sh creates the target tables from
// bench/sql/*.sql for handover and for the floors alike, so that both load
// into the same tables; those files must be the tables handover itself
// creates from the bench format — same columns, types, NOT NULL and
// UNIQUE constraints — or the floor is measured against a lighter table.
func TestSchemaFilesMatch(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs handover against each database")
	}
	bin := handover(t)
	dir, _ := genDir(t, options{rows: 200})
	project := filepath.Join(dir, "project")
	importInto := func(t *testing.T, target string) {
		runOn(t, bin, project, target, "receive", filepath.Join(dir, "delivery"))
		runOn(t, bin, project, target, "import", "--env", "bench", "--extraction", "1")
	}
	t.Run("sqlite", func(t *testing.T) {
		created, bench := filepath.Join(t.TempDir(), "created.db"), filepath.Join(t.TempDir(), "bench.db")
		importInto(t, "sqlite://"+created)
		applyFile(t, "sqlite", "file:"+bench, "sqlite.sql")
		// The one difference bench/sql/sqlite.sql explains: the shell's
		// .import cannot write NULL, so a unique e-mail column would
		// refuse the floor's contacts without one.
		want := slices.DeleteFunc(describeSQLite(t, created), func(s string) bool { return s == "contacts: unique (email)" })
		sameSchema(t, "sqlite.sql", want, describeSQLite(t, bench))
	})
	t.Run("postgres", func(t *testing.T) {
		created, bench := testenv.FreshPostgres(t), testenv.FreshPostgres(t)
		importInto(t, created)
		applyFile(t, "pgx", bench, "postgres.sql")
		sameSchema(t, "postgres.sql", describePostgres(t, created), describePostgres(t, bench))
	})
	t.Run("mysql", func(t *testing.T) {
		created, bench := testenv.FreshMySQL(t), testenv.FreshMySQL(t)
		cfg, err := mysql.ParseDSN(created)
		if err != nil {
			t.Fatal(err)
		}
		importInto(t, "mysql://"+cfg.User+"@"+cfg.Addr+"/"+cfg.DBName)
		applyFile(t, "mysql", bench, "mysql.sql")
		sameSchema(t, "mysql.sql", describeMySQL(t, created), describeMySQL(t, bench))
	})
}

// sameSchema compares two descriptions line by line.
func sameSchema(t *testing.T, file string, created, bench []string) {
	t.Helper()
	if !slices.Equal(created, bench) {
		t.Errorf("bench/sql/%s differs from the tables handover creates:\nhandover creates:\n  %s\nbench/sql/%s creates:\n  %s",
			file, strings.Join(created, "\n  "), file, strings.Join(bench, "\n  "))
	}
}

// applyFile runs bench/sql/file's statements on a database.
func applyFile(t *testing.T, driver, dsn, file string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "sql", file))
	if err != nil {
		t.Fatal(err)
	}
	if driver == "pgx" {
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(context.Background(), string(b)); err != nil {
			t.Fatalf("bench/sql/%s: %v", file, err)
		}
		return
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range strings.Split(stripComments(string(b)), ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("bench/sql/%s: %v\n%s", file, err, stmt)
		}
	}
}

func stripComments(s string) string {
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// query returns every row of a query as its columns joined by spaces.
func query(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(vals))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(vals))
		for i, v := range vals {
			parts[i] = v.String
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func open(t *testing.T, driver, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// describeSQLite lists each bench table's columns (name, type, NOT NULL,
// primary key) and its unique indexes' columns.
func describeSQLite(t *testing.T, path string) []string {
	db := open(t, "sqlite", "file:"+path)
	var out []string
	for _, table := range benchTables {
		for _, c := range query(t, db, `SELECT name, type, "notnull", pk FROM pragma_table_info(?)`, table) {
			out = append(out, table+": "+c)
		}
		var unique []string
		for _, idx := range query(t, db, `SELECT name FROM pragma_index_list(?) WHERE "unique"`, table) {
			cols := query(t, db, `SELECT name FROM pragma_index_info(?) ORDER BY seqno`, idx)
			unique = append(unique, table+": unique ("+strings.Join(cols, ", ")+")")
		}
		slices.Sort(unique)
		out = append(out, unique...)
	}
	return out
}

// describePostgres lists each bench table's columns (name, type, NOT
// NULL, identity) and its unique indexes' columns.
func describePostgres(t *testing.T, url string) []string {
	db := open(t, "pgx", url)
	var out []string
	for _, table := range benchTables {
		for _, c := range query(t, db, `SELECT attname, format_type(atttypid, atttypmod), attnotnull, attidentity
			FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`, table) {
			out = append(out, table+": "+c)
		}
		for _, u := range query(t, db, `SELECT CASE WHEN i.indisprimary THEN 'primary key' ELSE 'unique' END, '(' || string_agg(a.attname, ', ' ORDER BY k.n) || ')'
			FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
			JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
			WHERE i.indrelid = $1::regclass AND i.indisunique GROUP BY i.indexrelid, i.indisprimary ORDER BY 1, 2`, table) {
			out = append(out, table+": "+u)
		}
	}
	return out
}

// describeMySQL lists each bench table's engine and collation, columns
// (name, type, nullable, extra) and unique indexes' columns.
func describeMySQL(t *testing.T, dsn string) []string {
	db := open(t, "mysql", dsn)
	var out []string
	for _, table := range benchTables {
		for _, c := range query(t, db, `SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?`, table) {
			out = append(out, table+": "+c)
		}
		for _, c := range query(t, db, `SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, EXTRA FROM information_schema.COLUMNS
			WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`, table) {
			out = append(out, table+": "+c)
		}
		for _, u := range query(t, db, `SELECT GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ', ') AS cols
			FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
			GROUP BY INDEX_NAME ORDER BY cols`, table) {
			out = append(out, fmt.Sprintf("%s: unique (%s)", table, u))
		}
	}
	return out
}
