package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/testenv"
)

// Two projects in one PostgreSQL state store see nothing of each other:
// runs, run numbers, show, sign-offs, the audit log.
func TestTenantsShareOnePostgresStateStore(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	ctx := context.Background()
	a := newFixture(t, nil)
	b := newFixture(t, func(cfg string) string {
		return strings.Replace(cfg, "migration: example-onboarding", "migration: globex-takeover", 1)
	})
	for _, f := range []*fixture{a, b} {
		f.env["HANDOVER_STATE"] = dsn
		f.receive(-1)
	}
	for _, f := range []*fixture{a, b, a} {
		if _, err := f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir}); err != nil {
			t.Fatal(err)
		}
	}
	runsA, err := a.svc.Runs(ctx, RunsRequest{Actor: tester, Project: a.dir})
	if err != nil || len(runsA) != 2 || runsA[0].Number != 1 || runsA[1].Number != 2 {
		t.Fatalf("runs of A = %+v, %v", runsA, err)
	}
	runsB, err := b.svc.Runs(ctx, RunsRequest{Actor: tester, Project: b.dir})
	if err != nil || len(runsB) != 1 || runsB[0].Number != 1 {
		t.Fatalf("runs of B = %+v, %v", runsB, err)
	}
	var nf *NotFoundError
	if _, err := b.svc.Show(ctx, ShowRequest{Actor: tester, Project: b.dir, Run: 2}); !errors.As(err, &nf) {
		t.Errorf("B shows A's run 2: %v", err)
	}
	if _, err := b.svc.SignOff(ctx, SignOffRequest{Actor: tester, Project: b.dir, Run: 2, Role: "reviewer", By: "rita"}); !errors.As(err, &nf) {
		t.Errorf("B signs A's run 2: %v", err)
	}
	if _, err := a.svc.SignOff(ctx, SignOffRequest{Actor: tester, Project: a.dir, Run: 1, Role: "reviewer", By: "rita"}); err != nil {
		t.Fatal(err)
	}
	if res, err := b.svc.Show(ctx, ShowRequest{Actor: tester, Project: b.dir, Run: 1}); err != nil || len(res.Approvals) != 0 {
		t.Errorf("B's run 1 shows A's sign-off: %+v, %v", res, err)
	}
	if res, err := a.svc.Show(ctx, ShowRequest{Actor: tester, Project: a.dir, Run: 1}); err != nil || len(res.Approvals) != 1 {
		t.Errorf("A's run 1: %+v, %v", res, err)
	}
	auditA, err := a.svc.Audit(ctx, AuditRequest{Actor: tester, Project: a.dir, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	auditB, err := b.svc.Audit(ctx, AuditRequest{Actor: tester, Project: b.dir, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(auditA.Problems)+len(auditB.Problems) != 0 {
		t.Errorf("problems: A %v, B %v", auditA.Problems, auditB.Problems)
	}
	// A: receive, config_changed, run 1, run 2, approve; B: receive, config_changed, run 1.
	if len(auditA.Entries) != 5 || len(auditB.Entries) != 3 {
		t.Errorf("audit entries: A %d, B %d; want 5 and 3", len(auditA.Entries), len(auditB.Entries))
	}
	for _, e := range auditB.Entries {
		if e.Action == "approve" || strings.Contains(e.Detail, "run 2") {
			t.Errorf("B's audit log shows %+v", e)
		}
	}
}

// Reading commands write nothing: no state store is created for them,
// and a run whose lease ended reads as interrupted without being marked.
func TestQueriesWriteNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	statePath := filepath.Join(f.dir, ".handover", "state.db")
	if runs, err := f.svc.Runs(ctx, RunsRequest{Actor: tester, Project: f.dir}); err != nil || len(runs) != 0 {
		t.Fatalf("Runs of a new project = %v, %v", runs, err)
	}
	if res, err := f.svc.Audit(ctx, AuditRequest{Actor: tester, Project: f.dir, Verify: true}); err != nil || len(res.Entries) != 0 {
		t.Fatalf("Audit of a new project = %+v, %v", res, err)
	}
	if _, err := os.Stat(statePath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a query created the state store: %v", err)
	}
	f.receive(-1)
	if _, err := f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir}); err != nil {
		t.Fatal(err)
	}
	// A run that died on another machine: its lease ended a minute ago.
	db := openSQLite(t, statePath)
	if _, err := db.Exec(`INSERT INTO runs (migration, number, kind, env, extraction, status, started, pid, host, lease_expires)
		VALUES ('example-onboarding', 2, 'import', 'dev', 1, 'running', '2026-11-20T08:00:00.000000Z', 1, 'elsewhere', '2026-11-20T08:59:00.000000Z')`); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(statePath)
	runs, err := f.svc.Runs(ctx, RunsRequest{Actor: tester, Project: f.dir})
	if err != nil || len(runs) != 2 || runs[1].Status != "interrupted" {
		t.Fatalf("Runs = %+v, %v", runs, err)
	}
	if _, err := f.svc.Show(ctx, ShowRequest{Actor: tester, Project: f.dir, Run: 2}); err != nil {
		t.Fatal(err)
	}
	var status string
	if err := db.QueryRow(`SELECT status FROM runs WHERE number = 2`).Scan(&status); err != nil || status != "running" {
		t.Errorf("stored status after reading = %q, %v; want running", status, err)
	}
	if after, _ := os.Stat(statePath); after.ModTime() != before.ModTime() || after.Size() != before.Size() {
		t.Errorf("the state store changed: %v %d → %v %d", before.ModTime(), before.Size(), after.ModTime(), after.Size())
	}
	// A command that records marks it, with an audit entry.
	if _, err := f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir}); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT status FROM runs WHERE number = 2`).Scan(&status); err != nil || status != "interrupted" {
		t.Errorf("stored status after a check = %q, %v; want interrupted", status, err)
	}
}

// A webhook receiver that is down loses nothing: the run's events wait in
// the outbox and a later command delivers them, each once.
func TestEventsOutlastADownReceiver(t *testing.T) {
	ctx := context.Background()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // down: connections are refused
	f := newFixture(t, func(cfg string) string {
		return cfg + "notify:\n  webhooks:\n    - {name: ops, url: \"http://" + addr + "/hook\", secret: s3cret}\n"
	})
	f.receive(-1)
	res, err := f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "run_finished not delivered") || !strings.Contains(res.Warnings[0], "queued") {
		t.Fatalf("warnings with the receiver down = %q", res.Warnings)
	}

	var mu sync.Mutex
	got := map[string]int{}
	var types []string
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var ev notify.Event
		if json.Unmarshal(body, &ev) != nil || !notify.Verify("s3cret", body, r.Header.Get(notify.HeaderSignature)) {
			t.Errorf("bad delivery %s", body)
		}
		mu.Lock()
		got[ev.ID]++
		types = append(types, ev.Type)
		mu.Unlock()
	})}
	go srv.Serve(ln)
	defer srv.Close()
	f.now = f.now.Add(time.Minute) // past the back-off
	res, err = f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir})
	if err != nil || len(res.Warnings) != 0 {
		t.Fatalf("second check: %v, warnings %q", err, res.Warnings)
	}
	f.now = f.now.Add(time.Hour)
	if _, err := f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 || strings.Join(types, ",") != "run_finished,run_finished,run_finished" {
		t.Errorf("received %v (%v); want the 3 runs' events", types, got)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
}

func openSQLite(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path+"?_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// An approvals row inserted by hand unlocks no promotion, and audit
// --verify names it; the starter of a run cannot review it; a real
// sign-off by someone else does unlock it.
func TestForgedSignoffUnlocksNothing(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, func(cfg string) string {
		cfg = strings.Replace(cfg, "environments:\n", "environments:\n  preprod:\n    database: sqlite://.handover/preprod.db\n    requires: [dev]\n    approvals: [reviewer]\n", 1)
		return cfg + "freeze:\n  required: false\n"
	})
	f.receive(-1)
	res, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	run := res.Protocol.Run
	db := openSQLite(t, filepath.Join(f.dir, ".handover", "state.db"))
	if _, err := db.Exec(`INSERT INTO approvals (migration, run, role, by_name, note, at, refused) VALUES ('example-onboarding', ?, 'reviewer', 'mallory', '', '2026-11-20T09:00:00.000000Z', 0)`, run); err != nil {
		t.Fatal(err)
	}
	var ref *Refusal
	if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "preprod"}); !errors.As(err, &ref) ||
		!strings.Contains(err.Error(), "needs a sign-off by reviewer") {
		t.Fatalf("import into preprod with a forged sign-off: %v; want a refusal", err)
	}
	audit, err := f.svc.Audit(ctx, AuditRequest{Actor: tester, Project: f.dir, Verify: true})
	if err != nil || len(audit.Problems) != 1 || audit.Problems[0].Kind != "forged_signoff" || audit.Problems[0].Run != run {
		t.Fatalf("audit --verify = %+v, %v; want the forged sign-off", audit.Problems, err)
	}
	if _, err := f.svc.SignOff(ctx, SignOffRequest{Actor: tester, Project: f.dir, Run: run, Role: "reviewer", By: "tester"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "preprod"}); !errors.As(err, &ref) ||
		!strings.Contains(err.Error(), "was started by tester, who cannot review it") {
		t.Fatalf("import into preprod reviewed by its starter: %v; want a refusal", err)
	}
	if _, err := f.svc.SignOff(ctx, SignOffRequest{Actor: tester, Project: f.dir, Run: run, Role: "reviewer", By: "rita"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "preprod"}); err != nil {
		t.Errorf("import into preprod signed by rita: %v", err)
	}
}
