package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// runCLI runs handover in-process and returns its exit code and output.
func runCLI(t testing.TB, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	code := Main(backend(), args, strings.NewReader(""), &out, &errb, getenv)
	return code, out.String(), errb.String()
}

func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, nil, args...)
	if code != 0 {
		t.Fatalf("handover %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

func TestNewcomerPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))

	code, out, errOut := runCLI(t, nil, "-C", dir, "check", "--json")
	if code != 0 && code != 3 {
		t.Fatalf("check: exit %d: %s %s", code, out, errOut)
	}
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("check --json is not a protocol: %v\n%s", err, out)
	}
	if p.Run != 1 || p.Kind != "check" || p.Extraction != 1 || len(p.Entities) == 0 {
		t.Fatalf("protocol %+v", p)
	}
	var rejected int64
	for _, e := range p.Entities {
		if e.Read != e.Filtered+e.Rejected+e.Valid {
			t.Errorf("%s: accounting broken: %+v", e.Name, e)
		}
		rejected += e.Rejected
	}
	if rejected == 0 {
		t.Errorf("the sample delivery has broken rows, but nothing was rejected")
	}
	if !strings.HasPrefix(p.Hashes.Format, "sha256:") || len(p.Hashes.Inputs) == 0 {
		t.Errorf("hashes missing: %+v", p.Hashes)
	}

	first := importJSON(t, dir)
	var inserted int64
	for _, e := range first.Entities {
		inserted += e.Inserted
	}
	if inserted == 0 {
		t.Fatalf("first import inserted nothing: %+v", first.Entities)
	}
	second := importJSON(t, dir)
	for _, e := range second.Entities {
		if e.Inserted != 0 || e.Updated != 0 || e.Unchanged != e.Valid {
			t.Errorf("second import of %s wrote something: %+v", e.Name, e)
		}
	}

	out = mustRun(t, "-C", dir, "runs", "--json")
	var runs struct {
		Runs []struct {
			Run    int    `json:"run"`
			Kind   string `json:"kind"`
			Env    string `json:"env"`
			Status string `json:"status"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &runs); err != nil || len(runs.Runs) != 3 {
		t.Fatalf("runs --json: %v\n%s", err, out)
	}
	if runs.Runs[2].Kind != "import" || runs.Runs[2].Env != "dev" {
		t.Errorf("run 3 = %+v", runs.Runs[2])
	}

	out = mustRun(t, "-C", dir, "show", "3")
	if !strings.Contains(out, "run 3") || !strings.Contains(out, "unchanged") {
		t.Errorf("show 3:\n%s", out)
	}
	csvOut := filepath.Join(t.TempDir(), "rejects")
	mustRun(t, "-C", dir, "rejects", "1", "-o", csvOut)
	xlsx := filepath.Join(t.TempDir(), "rejects.xlsx")
	mustRun(t, "-C", dir, "rejects", "1", "--format", "xlsx", "-o", xlsx)
	if st, err := os.Stat(xlsx); err != nil || st.Size() == 0 {
		t.Errorf("rejects xlsx not written: %v", err)
	}
}

func importJSON(t *testing.T, dir string) *protocol.Protocol {
	t.Helper()
	code, out, errOut := runCLI(t, nil, "-C", dir, "import", "--env", "dev", "--json")
	if code != 0 && code != 3 {
		t.Fatalf("import: exit %d: %s %s", code, out, errOut)
	}
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	if p.Status != protocol.StatusSucceeded && p.Status != protocol.StatusGateFailed {
		t.Fatalf("import status %s: %s", p.Status, p.Error)
	}
	return &p
}

func TestExitCodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"unknown command", []string{"frobnicate"}, 2, "unknown command"},
		{"no project", []string{"-C", t.TempDir(), "check"}, 2, "handover init"},
		{"no extraction yet", []string{"-C", dir, "check"}, 2, "handover receive"},
		{"unknown env", []string{"-C", dir, "import", "--env", "nope"}, 2, "environments: dev"},
		{"import without env", []string{"-C", dir, "import"}, 2, "--env"},
		{"missing file", []string{"peek", filepath.Join(dir, "nope.csv")}, 1, "nope.csv"},
		{"bad run number", []string{"-C", dir, "show", "x"}, 2, "run number"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, nil, c.args...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.msg)
			}
			if strings.Count(strings.TrimSpace(errOut), "\n") > 3 {
				t.Errorf("error is not short: %q", errOut)
			}
		})
	}
}

func TestPeekJSONShape(t *testing.T) {
	path := filepath.Join(t.TempDir(), "k.csv")
	body := "ID;Name;Notiz\r\n1; Müller ;\"a;b\r\nc\"\r\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out := mustRun(t, "peek", path, "--json")
	var got struct {
		Encoding  string              `json:"encoding"`
		Delimiter string              `json:"delimiter"`
		Columns   []string            `json:"columns"`
		Rows      []map[string]string `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if got.Encoding != "utf-8" || got.Delimiter != ";" || strings.Join(got.Columns, ",") != "ID,Name,Notiz" {
		t.Errorf("header: %+v", got)
	}
	if len(got.Rows) != 1 || got.Rows[0]["Name"] != " Müller " || got.Rows[0]["Notiz"] != "a;b\r\nc" {
		t.Errorf("rows not as stored: %q", got.Rows)
	}
	if i, j := strings.Index(out, `"ID"`), strings.LastIndex(out, `"Notiz"`); i < 0 || j < i {
		t.Errorf("row keys not in column order")
	}
}
