package app

import (
	"bytes"
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/handover/handover/internal/project"
)

// fixture is a scaffolded project and a Service with a fixed clock.
type fixture struct {
	t   *testing.T
	dir string
	env map[string]string
	svc *Service
	now time.Time
}

var tester = Actor{Name: "tester"}

// newFixture scaffolds a project; edit rewrites its handover.yaml.
func newFixture(t *testing.T, edit func(cfg string) string) *fixture {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme")
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, dir: dir, env: map[string]string{}, now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
	if edit != nil {
		f.editFile(project.ConfigFile, edit)
	}
	f.svc = New(Config{Version: "test", Now: func() time.Time { return f.now }, Getenv: func(k string) string { return f.env[k] }})
	return f
}

func (f *fixture) editFile(name string, edit func(string) string) {
	f.t.Helper()
	path := filepath.Join(f.dir, name)
	b, err := os.ReadFile(path)
	if err != nil {
		f.t.Fatal(err)
	}
	out := edit(string(b))
	if out == string(b) {
		f.t.Fatalf("edit of %s changed nothing", name)
	}
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		f.t.Fatal(err)
	}
}

// receive stores the scaffold's sample, with kontakte.csv cut to its
// first keep data rows when keep >= 0.
func (f *fixture) receive(keep int) int {
	f.t.Helper()
	src := filepath.Join(f.dir, "sample")
	if keep >= 0 {
		src = filepath.Join(f.t.TempDir(), "delivery")
		if err := os.MkdirAll(src, 0o755); err != nil {
			f.t.Fatal(err)
		}
		for _, name := range []string{"firmen.csv", "kontakte.csv"} {
			b, err := os.ReadFile(filepath.Join(f.dir, "sample", name))
			if err != nil {
				f.t.Fatal(err)
			}
			if name == "kontakte.csv" {
				lines := bytes.SplitAfter(b, []byte("\n"))
				b = bytes.Join(lines[:1+keep], nil)
			}
			if err := os.WriteFile(filepath.Join(src, name), b, 0o644); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	x, err := f.svc.Receive(context.Background(), ReceiveRequest{Actor: tester, Project: f.dir, Paths: []string{src}})
	if err != nil {
		f.t.Fatal(err)
	}
	return x.Number
}

// sqliteDump is every row of table in the SQLite database at path, as text.
func sqliteDump(t *testing.T, path, table string) string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT * FROM ` + table + ` ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			b.WriteString(v.String + "|")
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// postgresDump is every row of table in the PostgreSQL database, as text.
func postgresDump(t *testing.T, url, table string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT * FROM `+table+` ORDER BY 1`, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		for _, v := range rows.RawValues() {
			b.Write(v)
			b.WriteString("|")
		}
		b.WriteString("\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
