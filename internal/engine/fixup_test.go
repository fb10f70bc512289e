package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/testenv"
)

// Fixup lets the recording fake of engine_test.go stand in for a target.
func (r *recordingTx) Fixup(context.Context, []*fixup.Rule, func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	return nil, nil
}

// fixupProject is a project of contacts whose notes link to each other
// in the old CRM, and whose attachments sit on the old file server.
func fixupProject(t testing.TB) *project.Project {
	t.Helper()
	contacts := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String, Required: true, Scale: -1},
		{Name: "name", Column: "name", Type: format.String, Scale: -1},
		{Name: "notes", Column: "notes", Type: format.String, Scale: -1},
		{Name: "attachment", Column: "attachment", Type: format.String, Scale: -1},
	}}
	if err := contacts.Compile(); err != nil {
		t.Fatal(err)
	}
	f := &format.Format{Entities: []*format.Entity{contacts}}
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{
		{On: "contacts", Field: "notes", Match: `https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`,
			Entity: "contacts", Replace: "https://app.example.com/contacts/{id}"},
		{On: "contacts", Field: "attachment", Match: `^\\\\oldfs\\docs\\(.+)$`, Replace: "files/{1}"},
	}, f, errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	return &project.Project{Dir: t.TempDir(), Migration: "fixup", Format: f, Lookups: recipe.Lookups{},
		Recipes: map[string]*recipe.Recipe{"contacts": {Entity: "contacts", Path: "recipes/contacts.yaml",
			Source: recipe.Source{File: "kontakte.csv", Delimiter: ";"},
			Fields: []recipe.FieldExpr{{Field: "external_id", Expr: "ID"}, {Field: "name", Expr: "Name"},
				{Field: "notes", Expr: "Notiz"}, {Field: "attachment", Expr: "Anhang"}}}},
		Fixups: rules, Hashes: project.Hashes{Fixups: fixup.Hash(rules)},
	}
}

// writeExtraction stores one delivery as extraction n.
func writeExtraction(t testing.TB, dir string, n int, files map[string]string) *extract.Extraction {
	t.Helper()
	xdir := filepath.Join(dir, "x"+strconv.Itoa(n))
	if err := os.MkdirAll(xdir, 0o755); err != nil {
		t.Fatal(err)
	}
	x := &extract.Extraction{Dir: xdir}
	x.Number = n
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(xdir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		x.Files = append(x.Files, extract.File{Path: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
	}
	return x
}

const crm = "https://crm.old-vendor.example/contact.aspx?id="

// The first delivery: 1 links to 2 (later in the same file) and to 9
// (not delivered), 2 links back to 1 twice in HTML.
var fixKontakte1 = "ID;Name;Notiz;Anhang\n" +
	"1;Anna;\"<p>see <a href=\"\"" + crm + "2\"\">Ben</a>, <a href=\"\"" + crm + "9\"\">Old</a></p>\";\\\\oldfs\\docs\\2019\\offer.pdf\n" +
	"2;Ben;\"<a href='" + crm + "1'>A</a> <a href='" + crm + "1'>again</a>\";\n" +
	"3;Cleo;\"=HYPERLINK(\"\"" + crm + "77\"\")\";\n"

// The second adds 9: the link that was unresolved resolves now.
var fixKontakte2 = fixKontakte1 + "9;Old;;\n"

// importRun runs one import of x into dsn and commits it.
func importRun(t *testing.T, p *project.Project, x *extract.Extraction, dsn string, run int) (*protocol.Protocol, string) {
	t.Helper()
	ctx := context.Background()
	target, err := targets.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, p.Format)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	artifacts := filepath.Join(p.Dir, "runs", strconv.Itoa(run))
	proto, err := runEngine(ctx, runOptions{Project: p, Kind: protocol.KindImport, Tx: tx, Options: Options{Extraction: x, Env: "dev", Run: run, Artifacts: artifacts, Version: "test", Now: func() time.Time { return time.Unix(0, 0) }}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return proto, artifacts
}

func TestImportFixupSQLite(t *testing.T) {
	p := fixupProject(t)
	testImportFixup(t, p, "sqlite://"+filepath.Join(p.Dir, "dev.db"))
}

func TestImportFixupPostgres(t *testing.T) {
	testImportFixup(t, fixupProject(t), testenv.FreshPostgres(t))
}

func testImportFixup(t *testing.T, p *project.Project, dsn string) {
	x1 := writeExtraction(t, p.Dir, 1, map[string]string{"kontakte.csv": fixKontakte1})
	proto, artifacts := importRun(t, p, x1, dsn, 1)
	want := []protocol.Fixup{
		{Rule: "contacts.notes#1", Entity: "contacts", Field: "notes", Matches: 5, Rewritten: 3, Unresolved: 2, Rows: 2},
		{Rule: "contacts.attachment#1", Entity: "contacts", Field: "attachment", Matches: 1, Rewritten: 1, Rows: 1},
	}
	checkFixups(t, "import 1", proto, want)
	if proto.Hashes.Fixups == "" || !strings.Contains(strings.Join(proto.Warnings, "\n"), "2 of 5 matches in contacts.notes left unresolved") {
		t.Errorf("hash %q, warnings %q", proto.Hashes.Fixups, proto.Warnings)
	}
	csv := readFile(t, filepath.Join(artifacts, "rejects", "fixups.csv"))
	wantCSV := "entity,key,field,text,rule,reason\r\n" +
		"contacts,1,notes,https://crm.old-vendor.example/contact.aspx?id=9,contacts.notes#1,\"no contacts row has the key \"\"9\"\"\"\r\n" +
		"contacts,3,notes,https://crm.old-vendor.example/contact.aspx?id=77,contacts.notes#1,\"no contacts row has the key \"\"77\"\"\"\r\n"
	if csv != wantCSV {
		t.Errorf("fixups.csv:\n%q\nwant\n%q", csv, wantCSV)
	}
	if raw, _ := os.ReadFile(filepath.Join(artifacts, "rejects", "fixups.csv")); !strings.HasPrefix(string(raw), "\ufeff") {
		t.Error("fixups.csv has no byte order mark")
	}
	html := readFile(t, filepath.Join(artifacts, "report.html"))
	for _, w := range []string{"<h2>Reference fix-up</h2>", "<td>contacts.notes#1</td><td>contacts.notes</td>", `href="rejects/fixups.csv"`} {
		if !strings.Contains(html, w) {
			t.Errorf("report.html lacks %q", w)
		}
	}
	notes := func() []string { return queryColumn(t, dsn, "SELECT notes FROM contacts ORDER BY external_id") }
	got := notes()
	if !strings.Contains(got[0], "https://app.example.com/contacts/2") || !strings.Contains(got[0], crm+"9") ||
		strings.Count(got[1], "https://app.example.com/contacts/1") != 2 || got[2] != "=HYPERLINK(\""+crm+"77\")" {
		t.Errorf("notes after import 1: %q", got)
	}
	if att := queryColumn(t, dsn, "SELECT attachment FROM contacts WHERE external_id = '1'"); att[0] != `files/2019\offer.pdf` {
		t.Errorf("attachment %q", att)
	}

	// Extraction 2 delivers contact 9: its link resolves, nothing else is written.
	x2 := writeExtraction(t, p.Dir, 2, map[string]string{"kontakte.csv": fixKontakte2})
	proto, _ = importRun(t, p, x2, dsn, 2)
	if c := proto.Entities[0]; c.Inserted != 1 || c.Unchanged != 3 {
		t.Errorf("import 2 counts %+v", c)
	}
	checkFixups(t, "import 2", proto, []protocol.Fixup{
		{Rule: "contacts.notes#1", Entity: "contacts", Field: "notes", Matches: 2, Rewritten: 1, Unresolved: 1, Rows: 1},
		{Rule: "contacts.attachment#1", Entity: "contacts", Field: "attachment"},
	})
	id9 := queryColumn(t, dsn, "SELECT id FROM contacts WHERE external_id = '9'")[0]
	if got := notes(); !strings.Contains(got[0], "https://app.example.com/contacts/"+id9) || strings.Contains(got[0], crm) {
		t.Errorf("notes of 1 after import 2: %q", got[0])
	}

	// The same extraction again: every row unchanged, nothing rewritten.
	before := notes()
	proto, _ = importRun(t, p, x2, dsn, 3)
	if c := proto.Entities[0]; c.Unchanged != 4 {
		t.Errorf("import 3 counts %+v", c)
	}
	checkFixups(t, "import 3", proto, []protocol.Fixup{
		{Rule: "contacts.notes#1", Entity: "contacts", Field: "notes", Matches: 1, Unresolved: 1},
		{Rule: "contacts.attachment#1", Entity: "contacts", Field: "attachment"},
	})
	if after := notes(); strings.Join(after, "|") != strings.Join(before, "|") {
		t.Errorf("import 3 changed notes:\n%q\n%q", before, after)
	}
}

func checkFixups(t *testing.T, what string, p *protocol.Protocol, want []protocol.Fixup) {
	t.Helper()
	if len(p.Fixups) != len(want) {
		t.Fatalf("%s: fixups %+v, want %+v", what, p.Fixups, want)
	}
	for i, w := range want {
		if *p.Fixups[i] != w {
			t.Errorf("%s: fixup %d = %+v, want %+v", what, i, *p.Fixups[i], w)
		}
	}
}

func TestRunFixupDryRun(t *testing.T) {
	p := fixupProject(t)
	dsn := "sqlite://" + filepath.Join(p.Dir, "dev.db")
	// Contact 9 is loaded without the fix-ups, as by an import before the
	// rules were written.
	rules := p.Fixups
	p.Fixups = nil
	importRun(t, p, writeExtraction(t, p.Dir, 1, map[string]string{"kontakte.csv": fixKontakte2}), dsn, 1)
	p.Fixups = rules
	for _, dry := range []bool{true, false} {
		ctx := context.Background()
		target, err := targets.Open(ctx, dsn, load.Options{Env: "dev"})
		if err != nil {
			t.Fatal(err)
		}
		tx, err := target.Begin(ctx, p.Format)
		if err != nil {
			t.Fatal(err)
		}
		artifacts := filepath.Join(p.Dir, "runs", "fix"+strconv.FormatBool(dry))
		proto, err := runEngine(ctx, runOptions{Kind: protocol.KindFixup, Project: p, Tx: tx, Options: Options{Env: "dev", Run: 2, Artifacts: artifacts, DryRun: dry, Version: "test"}})
		if err != nil {
			t.Fatal(err)
		}
		if dry {
			err = tx.Rollback(ctx)
		} else {
			err = tx.Commit(ctx)
		}
		target.Close()
		if err != nil {
			t.Fatal(err)
		}
		if proto.Kind != protocol.KindFixup || proto.Status != protocol.StatusSucceeded || proto.DryRun != dry || proto.Extraction != 0 {
			t.Errorf("protocol %+v", proto)
		}
		checkFixups(t, "fixup run", proto, []protocol.Fixup{
			{Rule: "contacts.notes#1", Entity: "contacts", Field: "notes", Matches: 5, Rewritten: 4, Unresolved: 1, Rows: 2},
			{Rule: "contacts.attachment#1", Entity: "contacts", Field: "attachment", Matches: 1, Rewritten: 1, Rows: 1},
		})
		for _, name := range []string{"protocol.json", "report.html", "rejects/fixups.csv"} {
			if _, err := os.Stat(filepath.Join(artifacts, name)); err != nil {
				t.Errorf("artifact %s: %v", name, err)
			}
		}
		rewritten := !strings.Contains(queryColumn(t, dsn, "SELECT notes FROM contacts WHERE external_id = '2'")[0], crm)
		if rewritten == dry {
			t.Errorf("dry run %v: rows rewritten %v", dry, rewritten)
		}
	}
}

// queryColumn returns the first column of q's rows as text.
func queryColumn(t *testing.T, dsn, q string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	if path, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		defer rows.Close()
		for rows.Next() {
			var v sql.NullString
			if err := rows.Scan(&v); err != nil {
				t.Fatal(err)
			}
			out = append(out, v.String)
		}
		return out
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	for rows.Next() {
		out = append(out, string(rows.RawValues()[0]))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return out
}

// fixupFailsTx is a target whose fix-up pass fails.
type fixupFailsTx struct{ *recordingTx }

func (fixupFailsTx) Fixup(context.Context, []*fixup.Rule, func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	return nil, errors.New("fix-up contacts.notes: connection lost")
}

func TestImportFailsWhenTheFixupFails(t *testing.T) {
	p := fixupProject(t)
	x := writeExtraction(t, p.Dir, 1, map[string]string{"kontakte.csv": fixKontakte1})
	tx := fixupFailsTx{&recordingTx{loaded: map[string][]load.Record{}}}
	proto, err := runEngine(context.Background(), runOptions{Project: p, Kind: protocol.KindImport, Tx: tx, Options: Options{Extraction: x, Env: "dev", Run: 1, Artifacts: filepath.Join(p.Dir, "runs", "1"), Version: "test"}})
	if err == nil || err.Error() != "import: fix-up contacts.notes: connection lost" {
		t.Fatalf("err = %v", err)
	}
	if proto.Status != protocol.StatusFailed || len(tx.loaded["contacts"]) != 3 {
		t.Errorf("status %s, %d rows loaded before", proto.Status, len(tx.loaded["contacts"]))
	}
}

// noFixer is a transaction without the fix-up capability.
type noFixer struct{ load.Tx }

// Fix-ups are an optional capability of a transaction: a target without
// it fails a fix-up run with a clear error instead of every loader having
// to carry the method.
func TestFixupNeedsTheCapability(t *testing.T) {
	p := fixupProject(t)
	ctx := context.Background()
	target, err := targets.Open(ctx, "sqlite://"+filepath.Join(p.Dir, "dev.db"), load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, p.Format)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, ok := tx.(load.Fixer); !ok {
		t.Fatal("the SQLite transaction lost its Fixup")
	}
	_, err = runEngine(ctx, runOptions{Kind: protocol.KindFixup, Project: p, Tx: noFixer{tx}, Options: Options{Env: "dev", Run: 1, Version: "test"}})
	if err == nil || !strings.Contains(err.Error(), "cannot run fix-up rules") {
		t.Fatalf("fix-up on a transaction without Fixup: %v", err)
	}
}
