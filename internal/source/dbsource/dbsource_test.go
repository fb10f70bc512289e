package dbsource

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/testenv"
)

var clock = func() time.Time { return time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC) }

// receive snapshots sources into a fresh extraction store, with extra
// generated files after the first source's (to act between two sources of
// one snapshot), and returns the extraction.
func receive(t *testing.T, sources []Source, env map[string]string, between ...extract.Generated) (*extract.Extraction, error) {
	t.Helper()
	gens, sess, err := Snapshots(sources, func(k string) string { return env[k] }, t.TempDir(), clock)
	if err != nil {
		return nil, err
	}
	defer sess.Close()
	if len(between) > 0 {
		gens = append(append(append([]extract.Generated{}, gens[:2]...), between...), gens[2:]...)
	}
	store := extract.NewStore(filepath.Join(t.TempDir(), "extractions"))
	return store.ReceiveDelivery(context.Background(), extract.Delivery{Generated: gens, Label: "db", Now: clock()})
}

// readSnapshot reads an entity's snapshot back through the source reader
// and its metadata.
func readSnapshot(t *testing.T, x *extract.Extraction, entity string) ([]string, [][]string, Meta) {
	t.Helper()
	path := localFile(t, x, "databases/"+entity+".csv")
	r, err := source.Open(context.Background(), path, source.Options{Encoding: "utf-8", Delimiter: ","})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var rows [][]string
	for {
		row, err := r.Next(context.Background())
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row.Values)
	}
	data, err := os.ReadFile(localFile(t, x, "databases/"+entity+".meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Meta
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return r.Columns(), rows, m
}

func TestPostgresSnapshot(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range []string{
		`CREATE SCHEMA alt`,
		`CREATE TABLE alt."Kunden" (id int PRIMARY KEY, name text, geboren date, seit timestamptz, betrag numeric(30,4),
			gross float8, klein float4, aktiv bool, bild bytea)`,
		`INSERT INTO alt."Kunden" VALUES
			(1, E'Anna "A", Zeile\nzwei', '2020-01-31', '2026-12-06 11:30:00+01', 12345678901234567890.1234, 1e20, 1.5e-7, true, '\x00ff10'),
			(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	} {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	// trust authentication ignores the password: it must never show
	u, _ := url.Parse(dsn)
	u.User = url.UserPassword("postgres", "hunter2")
	env := map[string]string{"LEGACY_DB_URL": u.String()}
	sources := []Source{
		{Entity: "kunden", Recipe: "recipes/kunden.yaml", Database: "${LEGACY_DB_URL}", Table: `alt.Kunden`},
		{Entity: "aktive", Recipe: "recipes/aktive.yaml", Database: "${LEGACY_DB_URL}", Query: `select id, name from alt."Kunden" order by id`},
	}
	// Between the two sources another session adds a row: the second
	// source must not see it (one snapshot).
	insert := extract.Generated{Path: "marker.txt", From: "test", Write: func(ctx context.Context, w io.Writer) error {
		other, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer other.Close(ctx)
		_, err = other.Exec(ctx, `INSERT INTO alt."Kunden" (id, name) VALUES (3, 'later')`)
		w.Write([]byte("x"))
		return err
	}}
	x, err := receive(t, sources, env, insert)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows, meta := readSnapshot(t, x, "kunden")
	wantCols := []string{"id", "name", "geboren", "seit", "betrag", "gross", "klein", "aktiv", "bild"}
	want := [][]string{
		{"1", "Anna \"A\", Zeile\nzwei", "2020-01-31", "2026-12-06 10:30:00+00", "12345678901234567890.1234", "100000000000000000000", "0.00000015", "t", "AP8Q"},
		{"2", "", "", "", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(cols, wantCols) || !reflect.DeepEqual(rows, want) {
		t.Errorf("kunden: columns %q rows\n%q", cols, rows)
	}
	if meta.Rows != 2 || !strings.HasPrefix(meta.Server, "PostgreSQL ") || meta.Query != `SELECT * FROM "alt"."Kunden"` ||
		meta.Snapshot != "REPEATABLE READ, READ ONLY" || len(meta.Notes) != 1 || meta.Notes[0] != "binary columns are base64: bild" ||
		meta.Columns[2] != (Column{Name: "geboren", Type: "date"}) || !meta.Started.Equal(clock()) {
		t.Errorf("meta %+v", meta)
	}
	if _, rows, _ := readSnapshot(t, x, "aktive"); len(rows) != 2 {
		t.Errorf("the second source saw %d rows: not the same snapshot", len(rows))
	}
	if x.Sources[0] != "database source of aktive" || len(x.Files) != 5 {
		t.Errorf("manifest sources %q, %d files", x.Sources, len(x.Files))
	}
	for _, f := range x.Files {
		data, _ := os.ReadFile(localFile(t, x, f.Path))
		if strings.Contains(string(data), "hunter2") {
			t.Errorf("%s shows the password", f.Path)
		}
	}

	// Failures name the recipe, never the password; no extraction is left.
	bad := []Source{{Entity: "k", Recipe: "recipes/k.yaml", Database: "${LEGACY_DB_URL}", Query: "select nope from alt.\"Kunden\""}}
	_, err = receive(t, bad, env)
	if err == nil || !strings.Contains(err.Error(), `recipes/k.yaml: snapshot of postgres://postgres:***@`) ||
		!strings.Contains(err.Error(), `column "nope" does not exist`) || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("bad query: %v", err)
	}
	u.Host = "127.0.0.1:1"
	_, err = receive(t, []Source{{Entity: "k", Recipe: "r.yaml", Database: u.String(), Table: "t"}}, nil)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "r.yaml: source database postgres://postgres:***@127.0.0.1:1") {
		t.Errorf("unreachable: %v", err)
	}
	_, err = receive(t, sources, nil)
	if err == nil || !strings.Contains(err.Error(), "recipes/kunden.yaml: source.database: environment variable LEGACY_DB_URL is not set") {
		t.Errorf("unset variable: %v", err)
	}
}

// mysqlURL turns the test server's driver DSN into a mysql:// URL.
func mysqlURL(t *testing.T, dsn string) string {
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	return u.String()
}

func TestMySQLSnapshot(t *testing.T) {
	dsn := testenv.FreshMySQL(t)
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, stmt := range []string{
		`CREATE TABLE kunden (id int PRIMARY KEY, name varchar(50), geboren date, seit datetime, betrag decimal(30,4),
			gross double, bild blob, ` + "`text col`" + ` text) ENGINE=InnoDB`,
		`INSERT INTO kunden VALUES (1, 'Anna "A", Zeile\nzwei', '2020-01-31', '2026-12-06 10:30:00', 12345678901234567890.1234, 1e20, x'00ff10', 'ü'),
			(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"ALT": mysqlURL(t, dsn)}
	sources := []Source{
		{Entity: "kunden", Recipe: "r1.yaml", Database: "${ALT}", Table: "kunden"},
		{Entity: "namen", Recipe: "r2.yaml", Database: "${ALT}", Query: "select id, name from kunden order by id"},
	}
	insert := extract.Generated{Path: "marker.txt", From: "test", Write: func(ctx context.Context, w io.Writer) error {
		_, err := db.ExecContext(ctx, "INSERT INTO kunden (id, name) VALUES (3, 'later')")
		w.Write([]byte("x"))
		return err
	}}
	x, err := receive(t, sources, env, insert)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows, meta := readSnapshot(t, x, "kunden")
	want := [][]string{
		{"1", "Anna \"A\", Zeile\nzwei", "2020-01-31", "2026-12-06 10:30:00", "12345678901234567890.1234", "100000000000000000000", "AP8Q", "ü"},
		{"2", "", "", "", "", "", "", ""},
	}
	if !reflect.DeepEqual(cols, []string{"id", "name", "geboren", "seit", "betrag", "gross", "bild", "text col"}) || !reflect.DeepEqual(rows, want) {
		t.Errorf("kunden: columns %q rows\n%q", cols, rows)
	}
	if meta.Rows != 2 || !strings.Contains(meta.Server, "MariaDB") && !strings.Contains(meta.Server, "MySQL") ||
		meta.Query != "SELECT * FROM `kunden`" || len(meta.Notes) != 1 || meta.Notes[0] != "binary columns are base64: bild" {
		t.Errorf("meta %+v", meta)
	}
	if _, rows, _ := readSnapshot(t, x, "namen"); len(rows) != 2 {
		t.Errorf("the second source saw %d rows: not the same snapshot", len(rows))
	}
	env["ALT"] = strings.Replace(env["ALT"], "mysql://root@", "mysql://root:hunter2@", 1)
	_, err = receive(t, sources[:1], env)
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "mysql://root:***@") {
		t.Errorf("wrong password: %v", err)
	}
}

func TestSQLiteSnapshot(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("sqlite", filepath.Join(dir, "alt.db"))
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`CREATE TABLE kunden (id INTEGER PRIMARY KEY, name TEXT, betrag REAL, bild BLOB, geboren DATE)`,
		`INSERT INTO kunden VALUES (1, 'Anna', 1e20, x'00ff10', '2020-01-31'), (2, NULL, 0.5, NULL, NULL)`,
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	gens, sess, err := Snapshots([]Source{{Entity: "kunden", Recipe: "r.yaml", Database: "sqlite://alt.db", Table: "kunden"}},
		func(string) string { return "" }, dir, clock)
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	store := extract.NewStore(filepath.Join(t.TempDir(), "x"))
	x, err := store.ReceiveDelivery(context.Background(), extract.Delivery{Generated: gens, Now: clock()})
	if err != nil {
		t.Fatal(err)
	}
	_, rows, meta := readSnapshot(t, x, "kunden")
	want := [][]string{{"1", "Anna", "100000000000000000000", "AP8Q", "2020-01-31"}, {"2", "", "0.5", "", ""}}
	if !reflect.DeepEqual(rows, want) || !strings.HasPrefix(meta.Server, "SQLite 3.") || meta.Rows != 2 {
		t.Errorf("rows %q, meta %+v", rows, meta)
	}
}

func TestOpenRefusesUnknownSchemes(t *testing.T) {
	for dsn, want := range map[string]string{
		"oracle://u:hunter2@h/db": `source database oracle://u:***@h/db: unsupported scheme "oracle"`,
		"u:hunter2@tcp(h)/db":     "not a URL",
	} {
		_, err := Open(context.Background(), dsn, "")
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Open(%s): %v", dsn, err)
		}
	}
}

// localFile is the local path of a file of a local extraction.
func localFile(t *testing.T, x *extract.Extraction, name string) string {
	t.Helper()
	f, err := x.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(x.Dir, filepath.FromSlash(f.Path))
}
