package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/explain"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipetest"
)

func TestFixtureTestsCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	out := mustRun(t, "-C", dir, "test")
	if !strings.Contains(out, "4 cases: 4 passed, 0 failed") {
		t.Fatalf("init sample tests: %s", out)
	}
	writeFile(t, filepath.Join(dir, "recipes", "structures.test.yaml"), `cases:
  - name: trims the name
    input: {ID: F1, Name: " ACME ", Land: Schweiz}
    expect: {external_id: F1, name: ACME AG, country: CH}
`)
	code, out, _ := runCLI(t, nil, "-C", dir, "test", "--entity", "structures")
	want := "FAIL recipes/structures.test.yaml:2 trims the name\n       name:\n         expected \"ACME AG\"\n         got      \"ACME\"\n"
	if code != 1 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, output:\n%s\nwant:\n%s", code, out, want)
	}
	code, out, _ = runCLI(t, nil, "-C", dir, "test", "--json")
	var rep recipetest.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != 1 || rep.Cases != 5 || rep.Failed != 1 {
		t.Fatalf("exit %d, %v: %s", code, err, out)
	}

	// gate: {tests: required} turns the failing test into a failed gate;
	// the protocol records the tests' hash and result.
	edit(t, filepath.Join(dir, "handover.yaml"), "gate:\n", "gate:\n  tests: required\n")
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	code, out, _ = runCLI(t, nil, "-C", dir, "check", "--json")
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if code != 3 || p.Tests == nil || p.Tests.Failed != 1 || p.Tests.Hash != rep.Hash || p.Gate.Passed {
		t.Fatalf("exit %d, tests %+v, gate %+v", code, p.Tests, p.Gate)
	}
	writeFile(t, filepath.Join(dir, "recipes", "structures.test.yaml"),
		"cases:\n  - name: trims the name\n    input: {ID: F1, Name: \" ACME \", Land: Schweiz}\n    expect: {name: ACME}\n")
	if code, out, errOut := runCLI(t, nil, "-C", dir, "check"); code != 0 {
		t.Fatalf("check with passing tests: exit %d: %s %s", code, out, errOut)
	}
}

// copyProject copies a project directory without its .handover.
func copyProject(t *testing.T, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err := filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() && d.Name() == ".handover" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			copyFile(t, path, filepath.Join(dst, rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// rejectWith returns the line of the first reject whose errors contain text.
func rejectWith(t *testing.T, path, text string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs[1:] {
		if strings.Contains(rec[1], text) {
			return rec[0]
		}
	}
	t.Fatalf("no reject in %s says %q", path, text)
	return ""
}

// firstReject returns the line and errors of the first row of a rejects file.
func firstReject(t *testing.T, path string) (string, string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("rejects %s: %v, %d records", path, err, len(recs))
	}
	return recs[1][0], recs[1][1]
}

func TestExplainExampleFirstReject(t *testing.T) {
	dir := copyProject(t, filepath.Join("..", "..", "examples", "acme"))
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "delivery"))
	if code, out, errOut := runCLI(t, nil, "-C", dir, "check"); code != 0 && code != 3 {
		t.Fatalf("check: exit %d: %s %s", code, out, errOut)
	}
	line, errs := firstReject(t, filepath.Join(dir, ".handover", "runs", "1", "rejects", "contacts.csv"))
	out := mustRun(t, "-C", dir, "explain", "1", "--entity", "contacts", "--line", line, "--json")
	var x explain.Explanation
	if err := json.Unmarshal([]byte(out), &x); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if !x.Rejected || x.Source.Line == 0 || x.Source.File != "kontakte.csv" || x.Source.Encoding != "windows-1252" || len(x.Source.Columns) == 0 {
		t.Fatalf("explanation %+v", x)
	}
	var msgs []string
	for _, p := range x.Problems {
		msgs = append(msgs, p.Message)
	}
	if got := strings.Join(msgs, " | "); got != errs || x.Recorded != errs {
		t.Fatalf("explain gives %q (recorded %q), the rejects file %q", got, x.Recorded, errs)
	}
	chain := false // a field whose value came through two or more calls
	for _, f := range x.Fields {
		chain = chain || len(f.Steps) >= 2
		if f.Expression == "" || (f.Problem == "" && f.Value == "" && f.Result != "") {
			t.Errorf("field %+v", f)
		}
	}
	if !chain {
		t.Fatalf("no function chain in %s", out)
	}
	// The text form names every call with its value and the rule.
	text := mustRun(t, "-C", dir, "explain", "1", "--entity", "contacts", "--line", line)
	if !strings.Contains(text, `trim(`) || !strings.Contains(text, "REJECTED:") || !strings.Contains(text, x.Problems[0].Message) {
		t.Fatalf("text explanation:\n%s", text)
	}
	// A rule across rows comes from the run's record, named as such.
	dupLine := rejectWith(t, filepath.Join(dir, ".handover", "runs", "1", "rejects", "contacts.csv"), "appears more than once")
	out = mustRun(t, "-C", dir, "explain", "1", "--entity", "contacts", "--line", dupLine, "--json")
	x = explain.Explanation{}
	if err := json.Unmarshal([]byte(out), &x); err != nil || !x.Rejected {
		t.Fatalf("%v: %s", err, out)
	}
	if p := x.Problems[len(x.Problems)-1]; p.Rule != "unique" || !p.AcrossRows || p.Field != "external_id" {
		t.Fatalf("duplicate explained as %+v", p)
	}
	// An accepted row is explained too.
	out = mustRun(t, "-C", dir, "explain", "1", "--entity", "contacts", "--line", "2", "--json")
	x = explain.Explanation{}
	if err := json.Unmarshal([]byte(out), &x); err != nil || x.Rejected || len(x.Problems) != 0 || x.Fields[0].Value == "" {
		t.Fatalf("line 2: %v %s", err, out)
	}
	// --field narrows it.
	out = mustRun(t, "-C", dir, "explain", "1", "--entity", "contacts", "--line", line, "--field", "email", "--json")
	x = explain.Explanation{}
	if err := json.Unmarshal([]byte(out), &x); err != nil || len(x.Fields) != 1 || x.Fields[0].Name != "email" {
		t.Fatalf("--field email: %v %s", err, out)
	}
}

func TestReplayAndDiffRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	mustRun(t, "-C", dir, "check")                               // run 1
	mustRun(t, "-C", dir, "import", "--env", "dev", "--dry-run") // run 2
	for _, run := range []string{"1", "2"} {
		if out := mustRun(t, "-C", dir, "replay", run); out != "identical\n" {
			t.Fatalf("replay %s: %q", run, out)
		}
	}
	// The lookup table changes; the old run replays from its archive.
	appendLines(t, filepath.Join(dir, "lookups", "kategorien.csv"), "Lieferant,REGULAR")
	mustRun(t, "-C", dir, "check") // run 3
	if out := mustRun(t, "-C", dir, "replay", "1"); out != "identical\n" {
		t.Fatalf("replay 1 after the lookup changed: %q", out)
	}
	out := mustRun(t, "-C", dir, "diff-runs", "1", "3")
	if !strings.Contains(out, "lookup  lookups/kategorien.csv  changed") || !strings.Contains(out, "3 → 2") {
		t.Fatalf("diff-runs:\n%s", out)
	}
	if strings.Contains(out, "recipe ") || strings.Contains(out, "format ") {
		t.Fatalf("diff-runs names unchanged inputs:\n%s", out)
	}
	// show --recipes prints the archived recipe, not today's.
	edit(t, filepath.Join(dir, "recipes", "contacts.yaml"), "upper(trim(Nachname))", "trim(Nachname)")
	mustRun(t, "-C", dir, "check") // run 4
	if out := mustRun(t, "-C", dir, "show", "1", "--recipes"); !strings.Contains(out, "last_name: upper(trim(Nachname))") {
		t.Fatalf("show --recipes:\n%s", out)
	}
	if out := mustRun(t, "-C", dir, "diff-runs", "3", "4"); !strings.Contains(out, "recipe  recipes/contacts.yaml") {
		t.Fatalf("diff-runs 3 4:\n%s", out)
	}
	// Archived objects are shared between runs, not copied per run.
	entries, err := os.ReadDir(filepath.Join(dir, ".handover", "archive"))
	if err != nil || len(entries) > 12 {
		t.Fatalf("archive holds %d objects after 4 runs with 2 changes: %v", len(entries), err)
	}
}
