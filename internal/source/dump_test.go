package source

import (
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/testenv"
)

// The rows both servers hold, and what a dump of them reads back as: text
// with every character a dump escapes, NULL as "", an empty string.
var dumpRows = [][]string{
	{"1", "Anna Müller", "Zeile 1\nZeile 2\tmit Tab", "2020-01-31", "12.50"},
	{"2", `O'Brien \ "Bob"`, "", "1999-12-31", "-0.01"},
	{"3", "Ünïcödé 🎉", "", "", ""},
	{"4", "semi;colon, (paren) --not a comment", `back\slash \N \.`, "2024-02-29", "1000000.00"},
}

var dumpColumns = []string{"id", "name", "notiz", "geboren", "betrag"}

const dumpSchema = `CREATE TABLE kunden (id int PRIMARY KEY, name varchar(100) NOT NULL, notiz text,
	geboren date, betrag numeric(12,2));
CREATE TABLE orders (nr int PRIMARY KEY, kunde int, total numeric(10,2))`

// insertDumpRows fills kunden (NULL for "") and orders on db.
func insertDumpRows(t *testing.T, exec func(string, ...any) error) {
	t.Helper()
	for _, stmt := range strings.Split(dumpSchema, ";") {
		if err := exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	null := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	for _, r := range dumpRows {
		notiz := null(r[2])
		if r[0] == "2" {
			notiz = "" // an empty string, not NULL: also ""
		}
		if err := exec("INSERT INTO kunden VALUES ("+placeholders(5)+")", r[0], r[1], notiz, null(r[3]), null(r[4])); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 3; i++ {
		if err := exec("INSERT INTO orders VALUES ("+placeholders(3)+")", i, 1, "9.90"); err != nil {
			t.Fatal(err)
		}
	}
}

var placeholderStyle = "?"

func placeholders(n int) string {
	p := make([]string, n)
	for i := range p {
		if placeholderStyle == "$" {
			p[i] = "$" + string(rune('1'+i))
		} else {
			p[i] = "?"
		}
	}
	return strings.Join(p, ", ")
}

func runDump(t *testing.T, dir, name string, cmd string, args ...string) string {
	t.Helper()
	if _, err := exec.LookPath(cmd); err != nil {
		msg := cmd + " is not installed: skipping the test of its dumps"
		if os.Getenv(testenv.DisallowSkipVar) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	out, err := exec.Command(cmd, args...).Output()
	if err != nil {
		msg := ""
		if ee, ok := err.(*exec.ExitError); ok {
			msg = string(ee.Stderr)
		}
		t.Fatalf("%s %s: %v %s", cmd, strings.Join(args, " "), err, msg)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPostgresDumps(t *testing.T) {
	url := testenv.FreshPostgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	placeholderStyle = "$"
	defer func() { placeholderStyle = "?" }()
	insertDumpRows(t, func(q string, args ...any) error { _, err := conn.Exec(ctx, q, args...); return err })

	dir := t.TempDir()
	for _, mode := range [][]string{nil, {"--inserts"}, {"--column-inserts"}, {"--inserts", "--rows-per-insert=3"}} {
		name := "dump" + strings.Join(mode, "") + ".sql"
		path := runDump(t, dir, name, "pg_dump", append([]string{"--no-owner", "-d", url}, mode...)...)
		r, rows := mustReadAll(t, path, Options{Table: "kunden"})
		if !equal(r.Columns(), dumpColumns) || !equal(values(rows), dumpRows) {
			t.Errorf("%v: columns %q rows\n%q", mode, r.Columns(), values(rows))
		}
		if _, rows := mustReadAll(t, path, Options{Table: "public.orders"}); len(rows) != 3 {
			t.Errorf("%v: orders %q", mode, values(rows))
		}
		tables, dialect, ok, err := PeekDump(ctx, path, Options{})
		if err != nil || !ok || dialect != "PostgreSQL dump" || len(tables) != 2 ||
			tables[0].Name != "public.kunden" || tables[0].Rows != 4 || !equal(tables[0].Columns, dumpColumns) || tables[1].Rows != 3 {
			t.Errorf("%v: peek %+v %s %v %v", mode, tables, dialect, ok, err)
		}
	}

	plain := filepath.Join(dir, "dump.sql")
	_, _, err = readAll(t, plain, Options{Table: "kundn"})
	if err == nil || !strings.Contains(err.Error(), `has no table "kundn"; its tables: public.kunden, public.orders`) {
		t.Errorf("unknown table: %v", err)
	}
	_, _, err = readAll(t, plain, Options{})
	if err == nil || !strings.Contains(err.Error(), "is a PostgreSQL dump: say which table to read") {
		t.Errorf("no table: %v", err)
	}
}

func TestPostgresDumpDamage(t *testing.T) {
	url := testenv.FreshPostgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	placeholderStyle = "$"
	defer func() { placeholderStyle = "?" }()
	insertDumpRows(t, func(q string, args ...any) error { _, err := conn.Exec(ctx, q, args...); return err })
	path := runDump(t, t.TempDir(), "dump.sql", "pg_dump", "--no-owner", "-d", url)
	data, _ := os.ReadFile(path)
	text := string(data)
	copyAt := strings.Index(text, "COPY public.kunden")
	firstRow := strings.Index(text[copyAt:], "\n") + copyAt + 1
	line := strings.Count(text[:firstRow], "\n") + 1

	// A row with a field missing: a ragged row at its line, the rest read.
	broken := text[:firstRow] + strings.Replace(text[firstRow:], "1\tAnna Müller\t", "1\t", 1)
	_, rows := mustReadAll(t, writeFile(t, "d.sql", []byte(broken)), Options{Table: "kunden"})
	if len(rows) != 4 || rows[0].Line != line || len(rows[0].Values) != 4 || len(rows[1].Values) != 5 {
		t.Errorf("ragged: rows %q at %v, want line %d", values(rows), lines(rows), line)
	}

	// Cut inside the second row: the first is read, the second is a
	// problem at its line; nothing else fails.
	second := strings.Index(text[firstRow:], "\n2\t") + firstRow + 1
	_, rows = mustReadAll(t, writeFile(t, "d.sql", []byte(text[:second+5])), Options{Table: "kunden"})
	if len(rows) != 2 || rows[1].Line != line+1 || rows[1].Problem != "the dump ends inside this row: it is truncated" {
		t.Errorf("cut in a row: %+v", rows)
	}
	// Cut between rows: the rows before, then one problem saying so.
	_, rows = mustReadAll(t, writeFile(t, "d.sql", []byte(text[:second])), Options{Table: "kunden"})
	if len(rows) != 2 || rows[1].Values != nil || !strings.Contains(rows[1].Problem, "the dump ends inside the data of table public.kunden") {
		t.Errorf("cut between rows: %+v", rows)
	}
}

func TestMySQLDumps(t *testing.T) {
	dsn := testenv.FreshMySQL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	insertDumpRows(t, func(q string, args ...any) error { _, err := db.Exec(q, args...); return err })
	// A routine and a trigger whose bodies hold statements on kunden: a
	// dump of them must not read as rows.
	for _, stmt := range []string{
		"CREATE PROCEDURE p() BEGIN INSERT INTO kunden (id, name) VALUES (99, 'no; not a row'); END",
		"CREATE TRIGGER trg BEFORE INSERT ON orders FOR EACH ROW BEGIN INSERT INTO kunden (id, name) VALUES (NEW.nr + 100, 'x;y'); END",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	cfg, _ := mysql.ParseDSN(dsn)
	host, port, _ := strings.Cut(cfg.Addr, ":")
	base := []string{"--protocol=tcp", "-h", host, "-P", port, "-u", cfg.User, cfg.DBName}
	if cfg.Passwd != "" {
		base = append(base, "-p"+cfg.Passwd)
	}
	dir := t.TempDir()
	for _, mode := range [][]string{nil, {"--complete-insert"}, {"--skip-extended-insert"}, {"--hex-blob", "--compact"}, {"--routines"}} {
		name := "dump" + strings.Join(mode, "") + ".sql"
		path := runDump(t, dir, name, "mysqldump", append(mode, base...)...)
		r, rows := mustReadAll(t, path, Options{Table: "kunden"})
		if !equal(r.Columns(), dumpColumns) || !equal(values(rows), dumpRows) {
			t.Errorf("%v: columns %q rows\n%q", mode, r.Columns(), values(rows))
		}
		for _, row := range rows {
			if row.Problem != "" || row.Line < 1 {
				t.Errorf("%v: row %+v", mode, row)
			}
		}
		tables, _, ok, err := PeekDump(context.Background(), path, Options{})
		if err != nil || !ok || len(tables) != 2 || tables[0].Name != "kunden" || tables[0].Rows != 4 || tables[1].Rows != 3 ||
			!equal(tables[0].Columns, dumpColumns) {
			t.Errorf("%v: peek %+v %v %v", mode, tables, ok, err)
		}
	}
	path := filepath.Join(dir, "dump.sql")
	_, _, err = readAll(t, path, Options{Table: "Kunden"})
	if err == nil || !strings.Contains(err.Error(), `has no table "Kunden" (did you mean "kunden"?); its tables: kunden, orders`) {
		t.Errorf("unknown table: %v", err)
	}
	// Cut inside the extended INSERT: the rows before, then a problem.
	data, _ := os.ReadFile(path)
	text := string(data)
	cut := strings.Index(text, "(3,")
	_, rows := mustReadAll(t, writeFile(t, "d.sql", []byte(text[:cut+8])), Options{Table: "kunden"})
	if len(rows) != 3 || rows[2].Problem != "the dump ends inside this row: it is truncated" || !equal(rows[1].Values, dumpRows[1]) {
		t.Errorf("cut: %+v", rows)
	}
}

// Escapes and shapes the tools write, without a server.
func TestDumpTextForms(t *testing.T) {
	mysqlDump := "-- MariaDB dump 10.19\n/*!40101 SET NAMES utf8mb4 */;\n" +
		"CREATE TABLE `t` (\n  `id` int(11) NOT NULL,\n  `s` varchar(10) DEFAULT 'a,b)',\n  `b` blob,\n  PRIMARY KEY (`id`),\n  KEY `k` (`s`)\n) ENGINE=InnoDB;\n" +
		"INSERT INTO `t` VALUES (1,'it\\'s\\\\ \\n\\Z\\0x',_binary '\\0\\0\xff'),(2,'100\\%',0x414243),\n(3,NULL,'');\n"
	path := writeFile(t, "m.sql", []byte(mysqlDump))
	r, rows := mustReadAll(t, path, Options{Table: "t"})
	want := [][]string{{"1", "it's\\ \n\x1a\x00x", "AAD/"}, {"2", `100\%`, "0x414243"}, {"3", "", ""}}
	if !equal(r.Columns(), []string{"id", "s", "b"}) || !equal(values(rows), want) || !equal(lines(rows), []int{10, 10, 11}) {
		t.Errorf("columns %q rows %q at %v", r.Columns(), values(rows), lines(rows))
	}

	// A stored routine between DELIMITER lines holds statements of its own.
	routine := "-- MySQL dump\nDELIMITER ;;\nCREATE PROCEDURE p() BEGIN INSERT INTO `t` VALUES (9,'no',''); END ;;\nDELIMITER ;\n" +
		"INSERT INTO `t` VALUES (1,'yes','');\n"
	_, rows = mustReadAll(t, writeFile(t, "r.sql", []byte(routine)), Options{Table: "t"})
	if !equal(values(rows), [][]string{{"1", "yes", ""}}) || rows[0].Line != 5 {
		t.Errorf("routine: rows %q at %v", values(rows), lines(rows))
	}

	pgDump := "-- PostgreSQL database dump\nCREATE FUNCTION f() RETURNS text AS $body$ select 'x;'; COPY x FROM stdin; $body$ LANGUAGE sql;\n" +
		"CREATE TABLE public.\"Tab\" (\n    id integer,\n    \"Wert\" text,\n    CONSTRAINT c CHECK ((id > 0))\n);\n" +
		"COPY public.\"Tab\" (id, \"Wert\") FROM stdin;\n1\ta\\tb\\nc\\\\d\\101\\x42\n2\t\\N\n\\.\n" +
		"INSERT INTO public.\"Tab\" VALUES (3, E'x\\'y', '2020-01-01'::date);\n"
	path = writeFile(t, "p.sql", []byte(pgDump))
	r, rows = mustReadAll(t, path, Options{Table: "Tab"})
	want = [][]string{{"1", "a\tb\nc\\dAB"}, {"2", ""}, {"3", "x'y", "2020-01-01"}}
	if !equal(r.Columns(), []string{"id", "Wert"}) || !equal(values(rows), want) || !equal(lines(rows), []int{9, 10, 12}) {
		t.Errorf("columns %q rows %q at %v", r.Columns(), values(rows), lines(rows))
	}
	// A table without rows: its columns, no row.
	empty := "-- PostgreSQL database dump\nCREATE TABLE e (a int, b text);\n"
	r, rows = mustReadAll(t, writeFile(t, "e.sql", []byte(empty)), Options{Table: "e"})
	if !equal(r.Columns(), []string{"a", "b"}) || len(rows) != 0 {
		t.Errorf("empty table: %q %q", r.Columns(), values(rows))
	}
	if _, _, err := readAll(t, path, Options{Table: "Tab", HeaderRow: 2}); err == nil || !strings.Contains(err.Error(), "do not apply") {
		t.Errorf("layout on a dump: %v", err)
	}
}

func TestPackedDumpsAreNamed(t *testing.T) {
	for name, want := range map[string]string{
		"PGDMP\x01\x0e\x00\x04\x08\x01\x01": ": a pg_dump archive in custom format: turn it into a plain dump (pg_restore",
		"\x1f\x8b\x08\x00\x00\x00\x00\x00":  ": not a readable gzip file",
		"BZh91AY&SY":                        ": a compressed file (bzip2, xz or zstd): unpack it first",
	} {
		path := writeFile(t, "d.sql", []byte(name))
		_, _, err := readAll(t, path, Options{Table: "t"})
		if err == nil || !strings.Contains(err.Error(), path+want) {
			t.Errorf("%q: %v", name, err)
		}
	}
}

// mysqldump | gzip > dump.sql.gz: read as it is, and a gzip file cut off
// is a truncated dump.
func TestGzippedDump(t *testing.T) {
	dump := "INSERT INTO `t` VALUES (1,'a'),(2,'b');\nINSERT INTO `t` VALUES (3,'c\\'d');\n"
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte("-- MySQL dump 10.19\n" + strings.Repeat("-- padding line\n", 5000) + dump))
	zw.Close()
	path := writeFile(t, "dump.sql.gz", b.Bytes())
	_, rows := mustReadAll(t, path, Options{Table: "t"})
	if !equal(values(rows), [][]string{{"1", "a"}, {"2", "b"}, {"3", "c'd"}}) || rows[2].Line != 5003 {
		t.Errorf("rows %q at %v", values(rows), lines(rows))
	}
	tables, dialect, ok, err := PeekDump(context.Background(), path, Options{})
	if err != nil || !ok || dialect != "MySQL/MariaDB dump" || len(tables) != 1 || tables[0].Rows != 3 {
		t.Errorf("peek %+v %s %v %v", tables, dialect, ok, err)
	}
	cut := writeFile(t, "cut.sql.gz", b.Bytes()[:b.Len()-12])
	_, _, err = readAll(t, cut, Options{Table: "t"})
	if err == nil || !strings.Contains(err.Error(), cut+": the gzip file ends early: it is truncated") {
		t.Errorf("cut gzip: %v", err)
	}
}
