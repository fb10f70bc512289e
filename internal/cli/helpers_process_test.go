package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/project"
)

// story is a scaffolded project run in-process with a clock the test sets.
type story struct {
	t   *testing.T
	dir string
	now time.Time
	env map[string]string
}

// threeEnvs replaces the scaffold's environments: dev → preprod → prod,
// all SQLite; preprod needs the reviewer's sign-off on dev's run, prod the
// customer's on preprod's.
const threeEnvs = `environments:
  dev:
    database: sqlite://.handover/dev.db
    files: dir://.handover/dev-files
  preprod:
    database: sqlite://.handover/preprod.db
    requires: [dev]
    approvals: [reviewer]
  prod:
    database: sqlite://.handover/prod.db
    requires: [preprod]
    approvals: [customer]

`

// newStory scaffolds a project with three environments, extra appended to
// its handover.yaml, the clock at 2026-11-20 09:00 UTC (J = 2026-12-15).
func newStory(t *testing.T, extra string) *story {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme")
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, project.ConfigFile)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	i, j := strings.Index(s, "environments:"), strings.Index(s, "gate:")
	if i < 0 || j < i {
		t.Fatalf("scaffold handover.yaml has no environments: before gate:\n%s", s)
	}
	s = s[:i] + threeEnvs + s[j:] + extra
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return &story{t: t, dir: dir, env: map[string]string{"HANDOVER_USER": "tester"},
		now: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
}

// at sets the clock to "2006-01-02 15:04" UTC.
func (w *story) at(s string) {
	w.t.Helper()
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		w.t.Fatal(err)
	}
	w.now = t
}

// run runs handover -C dir args... in-process with the story's clock.
func (w *story) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	a := &app{backend: backend(), stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return w.env[k] }, now: func() time.Time { return w.now }}
	root := a.rootCommand()
	root.SetArgs(append([]string{"-C", w.dir}, args...))
	root.SetOut(&out)
	root.SetErr(&errb)
	code = a.exitCode(root.ExecuteContext(context.Background()))
	return code, out.String(), errb.String()
}

// must runs a command that has to succeed and returns its stdout.
func (w *story) must(args ...string) string {
	w.t.Helper()
	code, out, errOut := w.run(args...)
	if code != 0 {
		w.t.Fatalf("handover %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// fails runs a command that has to exit with code and returns its stderr.
func (w *story) fails(code int, args ...string) string {
	w.t.Helper()
	got, out, errOut := w.run(args...)
	if got != code {
		w.t.Fatalf("handover %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), got, code, out, errOut)
	}
	return errOut
}

// receive stores the scaffold's sample delivery as the next extraction.
func (w *story) receive() {
	w.t.Helper()
	w.must("receive", filepath.Join(w.dir, "sample"))
}

// edit appends text to a project file, which changes its hash.
func (w *story) edit(name, text string) {
	w.t.Helper()
	f, err := os.OpenFile(filepath.Join(w.dir, name), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		w.t.Fatal(err)
	}
}

// jsonStep is a runbook step as plan --json prints it.
type jsonStep struct {
	ID       string   `json:"id"`
	Owner    string   `json:"owner"`
	Due      string   `json:"due"`
	When     string   `json:"when"`
	Status   string   `json:"status"`
	Evidence []string `json:"evidence"`
	Note     string   `json:"note"`
}

// plan returns the runbook's steps by ID.
func (w *story) plan() map[string]jsonStep {
	w.t.Helper()
	out := w.must("plan", "--json")
	var p struct {
		Steps []jsonStep `json:"steps"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		w.t.Fatalf("plan --json: %v\n%s", err, out)
	}
	steps := map[string]jsonStep{}
	for _, s := range p.Steps {
		steps[s.ID] = s
	}
	return steps
}

// step checks a step's status, and that its evidence and note contain want.
func (w *story) step(id, status string, want ...string) {
	w.t.Helper()
	s, ok := w.plan()[id]
	if !ok {
		w.t.Fatalf("plan has no step %s", id)
	}
	if s.Status != status {
		w.t.Errorf("step %s is %s, want %s (evidence %q, note %q)", id, s.Status, status, s.Evidence, s.Note)
	}
	text := strings.Join(s.Evidence, "; ") + " | " + s.Note
	for _, x := range want {
		if !strings.Contains(text, x) {
			w.t.Errorf("step %s: evidence and note %q lack %q", id, text, x)
		}
	}
}

// auditEntry is an audit log entry as audit --json prints it.
type auditEntry struct {
	Seq    int64  `json:"seq"`
	Actor  string `json:"actor"`
	Action string `json:"action"`
	Detail string `json:"detail"`
}

func (w *story) audit() []auditEntry {
	w.t.Helper()
	out := w.must("audit", "--json")
	var log struct {
		Entries []auditEntry `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		w.t.Fatalf("audit --json: %v\n%s", err, out)
	}
	return log.Entries
}

func mustContain(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, x := range want {
		if !strings.Contains(text, x) {
			t.Errorf("%s lacks %q:\n%s", what, x, text)
		}
	}
}
