package engine

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/report"
)

// fixture builds a small project (structures, contacts) and an extraction
// from literal CSV texts, without touching the other stores.
type fixture struct {
	t        *testing.T
	project  *project.Project
	x        *extract.Extraction
	artifact string
}

func newFixture(t *testing.T, files map[string]string) *fixture {
	t.Helper()
	dir := t.TempDir()
	xdir := filepath.Join(dir, "x")
	if err := os.MkdirAll(xdir, 0o755); err != nil {
		t.Fatal(err)
	}
	x := &extract.Extraction{Dir: xdir}
	x.Number = 1
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(xdir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		x.Files = append(x.Files, extract.File{Path: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
	}
	f := &format.Format{Entities: []*format.Entity{
		{Name: "structures", Table: "structures", Key: "external_id", Fields: []*format.Field{
			{Name: "external_id", Column: "external_id", Type: format.String, Required: true, Scale: -1},
			{Name: "name", Column: "name", Type: format.String, Required: true, MaxLength: 20, Scale: -1},
		}},
		{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
			{Name: "external_id", Column: "external_id", Type: format.String, Required: true, Scale: -1},
			{Name: "last_name", Column: "last_name", Type: format.String, Required: true, Scale: -1},
			{Name: "email", Column: "email", Type: format.Email, Unique: true, Scale: -1},
			{Name: "birth_date", Column: "birth_date", Type: format.Date, Scale: -1},
			{Name: "structure", Column: "structure", Type: format.Ref, Entity: "structures", Scale: -1},
		}},
	}}
	for _, e := range f.Entities {
		if err := e.Compile(); err != nil {
			t.Fatal(err)
		}
	}
	p := &project.Project{
		Dir: dir, Migration: "test", Format: f, Lookups: recipe.Lookups{},
		Recipes: map[string]*recipe.Recipe{
			"structures": {Entity: "structures", Path: "recipes/structures.yaml",
				Source: recipe.Source{File: "firmen.csv"},
				Fields: []recipe.FieldExpr{{Field: "external_id", Expr: "ID"}, {Field: "name", Expr: "trim(Name)"}}},
			"contacts": {Entity: "contacts", Path: "recipes/contacts.yaml",
				Source: recipe.Source{File: "kontakte.csv"}, Filter: `Status != "gelöscht"`,
				Fields: []recipe.FieldExpr{
					{Field: "external_id", Expr: "ID"},
					{Field: "last_name", Expr: "upper(trim(Nachname))"},
					{Field: "email", Expr: "lower(trim(EMail))"},
					{Field: "birth_date", Expr: `date(Geburtsdatum, "DD.MM.YYYY")`},
					{Field: "structure", Expr: "Firma"},
				}},
		},
		Gate: project.Gate{MaxRejectRate: func() *float64 { v := 0.9; return &v }()},
	}
	return &fixture{t: t, project: p, x: x, artifact: filepath.Join(dir, "runs", "1")}
}

func (f *fixture) options(tx load.Tx) runOptions {
	kind := protocol.KindCheck
	if tx != nil {
		kind = protocol.KindImport
	}
	return runOptions{Project: f.project, Kind: kind, Tx: tx, Options: Options{Extraction: f.x, Run: 1, Artifacts: f.artifact, Version: "test", Now: func() time.Time { return time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC) }}}
}

const firmen = "ID;Name\nS1;Alpha AG\nS2;   \nS3;Gamma GmbH\n"

const kontakte = "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n" +
	"C1;Muster;A@X.CH;01.02.1980;S1;aktiv\n" + // line 2 valid
	"C2;Meier;bad-mail;31.02.1980;S1;aktiv\n" + // 3 rejected: email, date
	"C3;Old;o@x.ch;;S1;gelöscht\n" + // 4 filtered
	"C1;Twin;t@x.ch;;S3;aktiv\n" + // 5 rejected: duplicate key
	"C4;Orphan;;;S9;aktiv\n" + // 6 rejected: ref to missing
	"C5;Lost;;;S2;aktiv\n" + // 7 rejected: ref to rejected structure
	"C6;Short;;\n" + // 8 rejected: ragged
	"C7;Same;a@x.ch;;S3;aktiv\n" + // 9 rejected: email not unique (normalised like line 2)
	"C8;Fine;;15.07.1975;S3;aktiv\n" // 10 valid

func TestCheckAccountsForEveryRow(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][4]int64{"structures": {3, 0, 1, 2}, "contacts": {9, 1, 6, 2}}
	for _, e := range p.Entities {
		got := [4]int64{e.Read, e.Filtered, e.Rejected, e.Valid}
		if got != want[e.Name] {
			t.Errorf("%s: read/filtered/rejected/valid = %v, want %v", e.Name, got, want[e.Name])
		}
	}
	c := p.Entities[1]
	for rule, n := range map[string]int{"email/email": 1, "birth_date/date": 1, "external_id/unique": 1,
		"structure/ref": 2, "columns": 1, "email/unique": 1} {
		if c.RejectsByRule[rule] != n {
			t.Errorf("rejects_by_rule[%s] = %d, want %d (all: %v)", rule, c.RejectsByRule[rule], n, c.RejectsByRule)
		}
	}
	if p.Status != protocol.StatusSucceeded {
		t.Errorf("status %s, want succeeded (gate %+v)", p.Status, p.Gate)
	}
	rej := readFile(t, filepath.Join(f.artifact, "rejects", "contacts.csv"))
	for _, want := range []string{
		`first on line 2`, `no structures row has the key \"S9\"`, `the structures row with the key \"S2\" was rejected (line 3)`,
		`the row has 4 fields, the header has 6`, `31.02.1980`,
	} {
		if !strings.Contains(strings.ReplaceAll(rej, `""`, `\"`), want) {
			t.Errorf("rejects/contacts.csv lacks %q:\n%s", want, rej)
		}
	}
	lines := rejectLines(t, rej)
	if fmt.Sprint(lines) != "[3 5 6 7 8 9]" {
		t.Errorf("reject lines %v, want [3 5 6 7 8 9] in source order", lines)
	}
	for _, name := range []string{"protocol.json", "report.html", "profile.json"} {
		if _, err := os.Stat(filepath.Join(f.artifact, name)); err != nil {
			t.Errorf("artifact %s: %v", name, err)
		}
	}
	// profile.json holds each entity's column profile, for the web server.
	data, err := os.ReadFile(filepath.Join(f.artifact, "profile.json"))
	var pf report.ProfileFile
	if err != nil || json.Unmarshal(data, &pf) != nil || len(pf.Entities) != 2 || pf.Entities[1].Entity != "contacts" ||
		len(pf.Entities[1].Columns) == 0 || pf.Entities[1].Columns[0].Total == 0 {
		t.Errorf("profile.json: %v\n%s", err, data)
	}
}

func TestGateFailsAboveRejectRate(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	limit := 0.2
	f.project.Gate.MaxRejectRate = &limit
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != protocol.StatusGateFailed || p.Gate.Passed {
		t.Fatalf("status %s, gate passed %v; want gate_failed", p.Status, p.Gate.Passed)
	}
	var failed []string
	for _, c := range p.Gate.Checks {
		if !c.Passed {
			failed = append(failed, c.Entity)
		}
	}
	if fmt.Sprint(failed) != "[structures contacts]" {
		t.Errorf("failed checks for %v, want structures and contacts", failed)
	}
}

func TestRejectsAreReproducibleAndOrderedWithManyWorkers(t *testing.T) {
	var b strings.Builder
	b.WriteString("ID;Nachname;EMail;Geburtsdatum;Firma;Status\n")
	for i := range 20000 {
		date := "01.01.1990"
		if i%7 == 0 {
			date = "32.01.1990"
		}
		fmt.Fprintf(&b, "C%d;N%d;;%s;S1;aktiv\n", i, i, date)
	}
	files := map[string]string{"firmen.csv": firmen, "kontakte.csv": b.String()}
	var sums []string
	for _, workers := range []int{1, 4} {
		f := newFixture(t, files)
		o := f.options(nil)
		o.Workers = workers
		p, err := runEngine(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		c := p.Entities[1]
		if c.Read != 20000 || c.Rejected != 2858 || c.Valid != 20000-2858 {
			t.Fatalf("workers %d: counts %+v", workers, c)
		}
		rej := readFile(t, filepath.Join(f.artifact, "rejects", "contacts.csv"))
		lines := rejectLines(t, rej)
		for i := 1; i < len(lines); i++ {
			if lines[i] <= lines[i-1] {
				t.Fatalf("workers %d: rejects out of order at %d: %d after %d", workers, i, lines[i], lines[i-1])
			}
		}
		sum := sha256.Sum256([]byte(rej))
		sums = append(sums, hex.EncodeToString(sum[:]))
	}
	if sums[0] != sums[1] {
		t.Errorf("rejects differ between 1 and 4 workers")
	}
}

func TestUnknownColumnIsConfigError(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	f.project.Recipes["contacts"].Fields[1].Expr = "trim(Nachnahme)"
	_, err := runEngine(context.Background(), f.options(nil))
	if !IsConfig(err) {
		t.Fatalf("err = %v, want a configuration error", err)
	}
	if !strings.Contains(err.Error(), "Nachname") {
		t.Errorf("error %q does not suggest the column Nachname", err)
	}
}

// TestMalformedLinesAreRejectsOfTheirLine: an unclosed quote, text after a
// closing quote and a control character are rejects of their own line;
// the lines after them load; a stray byte order mark is removed and counted.
func TestMalformedLinesAreRejectsOfTheirLine(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen,
		"kontakte.csv": "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n" +
			"C1;\"open;;;S1;aktiv\n" + // line 2: its quote runs into line 3
			"C2;\"Meier\"x;;;S1;aktiv\n" + // 3: text after the closing quote
			"C3;Bell\x07;;;S1;aktiv\n" + // 4: a control character
			"\ufeffC4;Fine;;;S1;aktiv\n"}) // 5: valid once the BOM is gone
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Entities[1]
	if c.Read != 4 || c.Rejected != 3 || c.Valid != 1 {
		t.Errorf("read/rejected/valid = %d/%d/%d, want 4/3/1", c.Read, c.Rejected, c.Valid)
	}
	if c.RejectsByRule["row"] != 2 || c.RejectsByRule["last_name/control"] != 1 {
		t.Errorf("rejects_by_rule %v", c.RejectsByRule)
	}
	if c.Repaired["stray_bom"] != 1 {
		t.Errorf("repaired %v, want stray_bom 1", c.Repaired)
	}
	rej := readFile(t, filepath.Join(f.artifact, "rejects", "contacts.csv"))
	for _, want := range []string{"runs to line 3", "text after the closing quote", "U+0007"} {
		if !strings.Contains(rej, want) {
			t.Errorf("rejects do not say %q:\n%s", want, rej)
		}
	}
}

// recordingTx is a fake target that records what the engine loads.
type recordingTx struct {
	keys   map[string]map[string]struct{}
	loaded map[string][]load.Record
	fail   string // entity whose Load fails
}

func (r *recordingTx) Keys(_ context.Context, entity string) (map[string]struct{}, error) {
	return r.keys[entity], nil
}

func (r *recordingTx) Load(ctx context.Context, e *format.Entity, rows load.Batches) (load.Counts, error) {
	if r.fail == e.Name {
		return load.Counts{}, errors.New("connection lost")
	}
	var c load.Counts
	for {
		b, err := rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		if err != nil {
			return c, err
		}
		r.loaded[e.Name] = append(r.loaded[e.Name], b...)
		c.Inserted += int64(len(b))
	}
}

func (r *recordingTx) Commit(context.Context) error   { return nil }
func (r *recordingTx) Rollback(context.Context) error { return nil }

func TestImportHandsValidRowsToTheTarget(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	tx := &recordingTx{loaded: map[string][]load.Record{},
		keys: map[string]map[string]struct{}{"structures": {"S9": {}}}} // S9 exists from an earlier import
	o := f.options(tx)
	o.RefsFromEnvironment = true // references: environment
	p, err := runEngine(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Entities[1]
	if c.Valid != 3 || c.Inserted != 3 || c.Rejected != 5 {
		t.Fatalf("contacts counts %+v; want 3 valid (S9 resolves in the environment), 3 inserted", c)
	}
	got := tx.loaded["contacts"]
	if len(got) != 3 || got[0].Line != 2 || got[1].Line != 6 || got[2].Line != 10 {
		t.Fatalf("loaded lines %v", got)
	}
	want := []string{"C1", "MUSTER", "a@x.ch", "1980-02-01", "S1"}
	if fmt.Sprint(got[0].Values) != fmt.Sprint(want) {
		t.Errorf("first record %q, want %q", got[0].Values, want)
	}
	// Every record carries its fingerprint, so the target need not hash it again.
	for _, r := range append(tx.loaded["structures"], got...) {
		if fp, _ := load.Fingerprint(r.Values, nil); !r.HasFingerprint || r.Fingerprint != fp {
			t.Errorf("line %d: fingerprint %x (%v), want %x", r.Line, r.Fingerprint, r.HasFingerprint, fp)
		}
	}
}

func TestImportFailsWhenTheTargetFails(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	tx := &recordingTx{loaded: map[string][]load.Record{}, fail: "contacts"}
	p, err := runEngine(context.Background(), f.options(tx))
	if err == nil || !strings.Contains(err.Error(), "connection lost") {
		t.Fatalf("err = %v, want the target's error", err)
	}
	if p.Status != protocol.StatusFailed {
		t.Errorf("status %s, want failed", p.Status)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")))
}

// rejectLines returns the line column of a rejects CSV.
func rejectLines(t *testing.T, csvText string) []int {
	t.Helper()
	var out []int
	for i, l := range strings.Split(csvText, "\n") {
		if i == 0 || l == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscanf(l, "%d,", &n); err == nil {
			out = append(out, n)
		}
	}
	return out
}

func TestColumnChangesSincePreviousExtraction(t *testing.T) {
	prev := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	renamed := strings.Replace(kontakte, "ID;Nachname;EMail;", "ID;Nachname;E-Mail;", 1)
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": renamed})
	o := f.options(nil)
	o.PreviousExtraction = prev.x
	_, err := runEngine(context.Background(), o)
	if !IsConfig(err) {
		t.Fatalf("err = %v, want a configuration error (the recipe reads EMail)", err)
	}
	if !strings.Contains(err.Error(), `kontakte.csv changed since extraction 1`) || !strings.Contains(err.Error(), `"E-Mail"`) {
		t.Errorf("the error does not say the column was renamed: %v", err)
	}
	f.project.Recipes["contacts"].Fields[2].Expr = `lower(trim(col("E-Mail")))`
	p, err := runEngine(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || !strings.Contains(p.Warnings[0], "renamed") {
		t.Errorf("warnings %q, want the rename", p.Warnings)
	}
}
