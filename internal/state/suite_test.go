package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
)

var t0 = time.Date(2026, 12, 8, 9, 15, 30, 123456789, time.UTC)

// testStore is the conformance suite every backend passes. newDSN returns
// the DSN of a fresh, empty store for one test.
func testStore(t *testing.T, newDSN func(t *testing.T) string) {
	tests := []struct {
		name string
		fn   func(t *testing.T, dsn string)
	}{
		{"Numbering", testNumbering},
		{"ConcurrentBeginRun", testConcurrentBeginRun},
		{"FinishRun", testFinishRun},
		{"RunNotFound", testRunNotFound},
		{"Leases", testLeases},
		{"LocalDeadHolder", testLocalDeadHolder},
		{"QueueAndClaim", testQueueAndClaim},
		{"ReadOnly", testReadOnly},
		{"Approvals", testApprovals},
		{"Audit", testAudit},
		{"AuditTamper", testAuditTamper},
		{"AuditKeyed", testAuditKeyed},
		{"Tenancy", testTenancy},
		{"Facts", testFacts},
		{"Claims", testClaims},
		{"RunsHead", testRunsHead},
		{"Outbox", testOutbox},
		{"FinishRunAtomic", testFinishRunAtomic},
		{"Migrations", testMigrations},
		{"UpgradeFromV1", testUpgradeFromV1},
		{"NewerSchema", testNewerSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newDSN(t)) })
	}
}

// clock is a settable test clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func testNumbering(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	host, _ := os.Hostname()
	begins := []NewRun{{"check", "", 1, "anna", time.Time{}}, {"import", "dev", 1, "beat", time.Time{}},
		{"diff", "preprod", 2, "anna", time.Time{}}, {"sync", "dev", 2, "", time.Time{}}}
	for i, b := range begins {
		b.Started = t0.Add(time.Duration(i) * time.Minute)
		r, err := s.BeginRun(ctx, b)
		if err != nil {
			t.Fatal(err)
		}
		if r.Number != i+1 {
			t.Errorf("run %d got number %d", i+1, r.Number)
		}
	}
	runs, err := s.Runs(ctx, "")
	if err != nil || len(runs) != 4 {
		t.Fatalf("Runs = %d runs, %v", len(runs), err)
	}
	for i, r := range runs {
		b := begins[i]
		want := &Run{Number: i + 1, Kind: b.Kind, Env: b.Env, Extraction: b.Extraction, Status: "running",
			Started: t0.Add(time.Duration(i) * time.Minute).Truncate(time.Microsecond), StartedBy: b.By,
			Holder: fmt.Sprintf("%s:%d", host, os.Getpid()), LeaseExpires: t0.Truncate(time.Microsecond).Add(DefaultLeaseTTL),
			PID: os.Getpid(), Host: host}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("run %d read back as\n%+v, want\n%+v", i+1, r, want)
		}
	}
	dev, err := s.Runs(ctx, "dev")
	if err != nil || len(dev) != 2 || dev[0].Number != 2 || dev[1].Number != 4 {
		t.Errorf("Runs(dev) = %v, %v", dev, err)
	}
	if none, err := s.Runs(ctx, "prod"); err != nil || len(none) != 0 {
		t.Errorf("Runs(prod) = %v, %v", none, err)
	}
}

// testConcurrentBeginRun starts runs from several goroutines over two
// stores on the same database, as two processes would.
func testConcurrentBeginRun(t *testing.T, dsn string) {
	ctx := context.Background()
	stores := []*Store{openStore(t, dsn), openStore(t, dsn)}
	const workers, each = 6, 4
	var mu sync.Mutex
	var got []int
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for range each {
				r, err := stores[w%2].BeginRun(ctx, NewRun{Kind: "check", Extraction: 1})
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				got = append(got, r.Number)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	sort.Ints(got)
	for i, n := range got {
		if n != i+1 {
			t.Fatalf("numbers = %v, want 1…%d each once", got, workers*each)
		}
	}
}

func testFinishRun(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	r, err := s.BeginRun(ctx, NewRun{Kind: protocol.KindImport, Env: "dev", Extraction: 3, By: "anna", Started: t0})
	if err != nil {
		t.Fatal(err)
	}
	p := &protocol.Protocol{Run: r.Number, Kind: "import", Env: "dev", Extraction: 3, Status: protocol.StatusGateFailed,
		Started: t0, Finished: t0.Add(time.Second), Version: "v1.2.3",
		Hashes:   protocol.Hashes{Recipes: "sha256:aa", Format: "sha256:bb", Inputs: map[string]string{"kontakte.csv": "sha256:cc"}},
		Entities: []*protocol.Entity{{Name: "contacts", Read: 15, Filtered: 1, Rejected: 9, Valid: 5, Inserted: 5, RejectsByRule: map[string]int{"email/email": 2}}},
		Gate:     protocol.Gate{Passed: false, Checks: []protocol.Check{{Name: "max_reject_rate", Entity: "contacts", Value: 0.6, Limit: 0.02}}},
		Warnings: []string{"ünïcode „quotes“ 'single' and ? marks"}}
	r.Status, r.Finished, r.Artifacts, r.Protocol = protocol.StatusGateFailed, t0.Add(time.Second), "/p/.handover/runs/1", p
	if err := s.FinishRun(ctx, r, Finish{Detail: "run 1 import into dev: gate_failed"}); err != nil {
		t.Fatal(err)
	}
	back, err := s.Run(ctx, r.Number)
	if err != nil {
		t.Fatal(err)
	}
	r.Started, r.Finished, r.LeaseExpires = r.Started.Truncate(time.Microsecond), r.Finished.Truncate(time.Microsecond), time.Time{}
	if !reflect.DeepEqual(back, r) {
		t.Errorf("read back\n%+v\nwant\n%+v", back, r)
	}
	if !reflect.DeepEqual(back.Protocol, p) {
		t.Errorf("protocol read back\n%+v\nwant\n%+v", back.Protocol, p)
	}
	log, err := s.AuditLog(ctx)
	if err != nil || len(log) != 1 {
		t.Fatalf("audit log after FinishRun: %v, %v", log, err)
	}
	if e := log[0]; e.Action != ActionRun || e.Run != 1 || e.Actor != "anna" || e.Detail != "run 1 import into dev: gate_failed" ||
		!strings.Contains(e.Data, `"status":"gate_failed"`) || !strings.Contains(e.Data, `"recipes":"sha256:aa"`) {
		t.Errorf("run outcome entry = %+v", e)
	}
	bad := []struct {
		run  *Run
		want string
	}{
		{&Run{Number: 42, Status: "failed"}, "run 42 does not exist (latest is run 1)"},
		{&Run{Number: 1, Status: "running"}, "not a final status"},
		{&Run{Number: 1, Status: "queued"}, "not a final status"},
		{&Run{Number: 1, Status: "failed"}, "it already finished (gate_failed)"},
	}
	for _, b := range bad {
		if err := s.FinishRun(ctx, b.run, Finish{}); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("FinishRun(%+v) = %v, want %q", b.run, err, b.want)
		}
	}
	if log, _ := s.AuditLog(ctx); len(log) != 1 {
		t.Errorf("failed FinishRuns wrote audit entries: %d entries", len(log))
	}
}

func testRunNotFound(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.Run(ctx, 9); err == nil || err.Error() != "run 9 does not exist (no runs yet)" || !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(9) on an empty store: %v", err)
	}
	for range 4 {
		if _, err := s.BeginRun(ctx, NewRun{Kind: "check", Extraction: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Run(ctx, 9); err == nil || err.Error() != "run 9 does not exist (latest is run 4)" || !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(9): %v", err)
	}
}

// rawStatus reads a run's status as stored, not as Run shows it.
func rawStatus(t *testing.T, s *Store, n int) string {
	t.Helper()
	var status string
	if err := s.db.QueryRow(s.q(`SELECT status FROM runs WHERE migration = ? AND number = ?`), s.migration, n).Scan(&status); err != nil {
		t.Fatal(err)
	}
	return status
}

func wantStatus(t *testing.T, s *Store, n int, want string) {
	t.Helper()
	r, err := s.Run(context.Background(), n)
	if err != nil || r.Status != want {
		t.Errorf("run %d: %+v (%v), want status %s", n, r, err, want)
	}
}

// testLeases: a run whose lease ends reads as interrupted at once, on
// any host, without a write; Reap records it (with an audit entry); a
// holder that renews keeps it.
func testLeases(t *testing.T, dsn string) {
	ctx := context.Background()
	clk := newClock()
	// The worker runs "on another machine": its host differs, so only
	// the lease tells whether it lives.
	worker := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now, LeaseTTL: 30 * time.Second, Holder: "worker-1"})
	worker.host = "elsewhere.example"
	viewer := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now, ReadOnly: true})
	reaper := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now})
	kept, err := worker.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	lost, err := worker.BeginRun(ctx, NewRun{Kind: "import", Env: "preprod", Extraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	clk.Add(20 * time.Second)
	if err := worker.Renew(ctx, kept); err != nil || !kept.LeaseExpires.Equal(norm(clk.Now()).Add(30*time.Second)) {
		t.Fatalf("Renew = %v, lease until %v", err, kept.LeaseExpires)
	}
	clk.Add(15 * time.Second) // lost's lease ended 5 s ago; kept's runs 15 s more
	wantStatus(t, viewer, kept.Number, "running")
	wantStatus(t, viewer, lost.Number, "interrupted")
	if runs, err := viewer.Runs(ctx, "preprod"); err != nil || len(runs) != 1 || runs[0].Status != "interrupted" {
		t.Errorf("Runs(preprod) = %+v, %v", runs, err)
	}
	if got := rawStatus(t, reaper, lost.Number); got != "running" {
		t.Errorf("reading wrote status %q", got)
	}
	if n, err := viewer.Reap(ctx); !errors.Is(err, ErrReadOnly) || n != 0 {
		t.Errorf("Reap on a read-only store = %d, %v", n, err)
	}
	if n, err := reaper.Reap(ctx); err != nil || n != 1 {
		t.Fatalf("Reap = %d, %v; want 1", n, err)
	}
	if got := rawStatus(t, reaper, lost.Number); got != "interrupted" {
		t.Errorf("after Reap, run %d is stored as %q", lost.Number, got)
	}
	log, _ := reaper.AuditLog(ctx)
	if len(log) != 1 || log[0].Run != lost.Number || !strings.Contains(log[0].Detail, "interrupted") || !strings.Contains(log[0].Detail, "worker-1") {
		t.Errorf("audit after Reap = %+v", log)
	}
	if n, err := reaper.Reap(ctx); err != nil || n != 0 {
		t.Errorf("second Reap = %d, %v; want 0", n, err)
	}
	if err := worker.Renew(ctx, lost); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("Renew of a reaped run = %v, want ErrLeaseLost", err)
	}
	wantStatus(t, viewer, kept.Number, "running")
}

// deadPID is above Linux's largest pid_max (2^22), so no process has it.
const deadPID = 99999999

// testLocalDeadHolder: a run held by a process of this host that is gone
// is interrupted before its lease ends (a killed import shows at once).
func testLocalDeadHolder(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	alive, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	insert := func(n, pid int, host string, lease time.Time) {
		_, err := s.db.Exec(s.q(`INSERT INTO runs (migration, number, kind, env, extraction, status, started, pid, host, lease_expires) VALUES (?, ?, 'import', 'dev', 1, 'running', ?, ?, ?, ?)`),
			s.migration, n, s.t(t0), pid, host, s.t(lease))
		if err != nil {
			t.Fatal(err)
		}
	}
	insert(2, deadPID, s.host, t0.Add(time.Hour))              // died on this host
	insert(3, deadPID, "elsewhere.example", t0.Add(time.Hour)) // another host, lease valid
	insert(4, deadPID, s.host, time.Time{})                    // schema 1: no lease, died here
	want := map[int]string{alive.Number: "running", 2: "interrupted", 3: "running", 4: "interrupted"}
	for num, status := range want {
		wantStatus(t, s, num, status)
	}
	if n, err := s.Reap(ctx); err != nil || n != 2 {
		t.Errorf("Reap = %d, %v; want 2", n, err)
	}
}

// testQueueAndClaim: a queued run is claimed once; a dead worker's run is
// claimed again after its lease; a finished one never.
func testQueueAndClaim(t *testing.T, dsn string) {
	ctx := context.Background()
	clk := newClock()
	cli := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now})
	w1 := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now, Holder: "w1"})
	w2 := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now, Holder: "w2"})
	w1.host, w2.host = "host-1", "host-2"
	q, err := cli.QueueRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1, By: "anna"})
	if err != nil || q.Status != StatusQueued || q.Number != 1 {
		t.Fatalf("QueueRun = %+v, %v", q, err)
	}
	wantStatus(t, cli, 1, StatusQueued)
	clk.Add(time.Second)
	r, err := w1.ClaimRun(ctx, 1)
	if err != nil || r.Status != "running" || r.Holder != "w1" || r.Host != "host-1" || r.StartedBy != "anna" || !r.Started.Equal(norm(clk.Now())) || r.Queued.IsZero() {
		t.Fatalf("ClaimRun = %+v, %v", r, err)
	}
	if _, err := w2.ClaimRun(ctx, 1); !errors.Is(err, ErrNotClaimable) || !strings.Contains(err.Error(), "held by w1") {
		t.Errorf("second ClaimRun = %v, want ErrNotClaimable", err)
	}
	clk.Add(DefaultLeaseTTL + time.Second) // w1 died
	r2, err := w2.ClaimRun(ctx, 1)
	if err != nil || r2.Holder != "w2" {
		t.Fatalf("ClaimRun after the lease ended = %+v, %v", r2, err)
	}
	if err := w1.Renew(ctx, r); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("the dead worker's Renew = %v, want ErrLeaseLost", err)
	}
	r2.Status, r2.Finished = protocol.StatusSucceeded, clk.Now()
	if err := w2.FinishRun(ctx, r2, Finish{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w1.ClaimRun(ctx, 1); !errors.Is(err, ErrNotClaimable) {
		t.Errorf("ClaimRun of a finished run = %v", err)
	}
	began, _ := cli.BeginRun(ctx, NewRun{Kind: "check", Extraction: 1})
	if _, err := w1.ClaimRun(ctx, began.Number); !errors.Is(err, ErrNotClaimable) {
		t.Errorf("ClaimRun of a run begun in-process = %v", err)
	}
	// A queued run reaped while its worker was dead is claimed again.
	q3, _ := cli.QueueRun(ctx, NewRun{Kind: "check", Extraction: 1})
	if _, err := w1.ClaimRun(ctx, q3.Number); err != nil {
		t.Fatal(err)
	}
	clk.Add(DefaultLeaseTTL + time.Second)
	if n, err := cli.Reap(ctx); err != nil || n != 2 { // q3, and the check nobody renewed
		t.Fatalf("Reap = %d, %v; want 2", n, err)
	}
	if r, err := w2.ClaimRun(ctx, q3.Number); err != nil || r.Holder != "w2" {
		t.Errorf("ClaimRun of a reaped queued run = %+v, %v", r, err)
	}
}

// testReadOnly: a read-only store writes nothing and refuses every write.
func testReadOnly(t *testing.T, dsn string) {
	ctx := context.Background()
	ro := openWith(t, dsn, Options{Migration: "acme", ReadOnly: true}) // the store does not exist yet
	if runs, err := ro.Runs(ctx, ""); err != nil || len(runs) != 0 {
		t.Errorf("Runs of a missing store = %v, %v", runs, err)
	}
	if head, err := ro.AuditHead(ctx); err != nil || head != (Anchor{}) {
		t.Errorf("AuditHead of a missing store = %v, %v", head, err)
	}
	s := openStore(t, dsn)
	if _, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1}); err != nil {
		t.Fatal(err)
	}
	ro = openWith(t, dsn, Options{Migration: "acme", ReadOnly: true})
	if runs, err := ro.Runs(ctx, ""); err != nil || len(runs) != 1 {
		t.Errorf("Runs = %v, %v", runs, err)
	}
	writes := map[string]func() error{
		"BeginRun":    func() error { _, err := ro.BeginRun(ctx, NewRun{Kind: "check"}); return err },
		"QueueRun":    func() error { _, err := ro.QueueRun(ctx, NewRun{Kind: "check"}); return err },
		"ClaimRun":    func() error { _, err := ro.ClaimRun(ctx, 1); return err },
		"Renew":       func() error { return ro.Renew(ctx, &Run{Number: 1}) },
		"FinishRun":   func() error { return ro.FinishRun(ctx, &Run{Number: 1, Status: "failed"}, Finish{}) },
		"Reap":        func() error { _, err := ro.Reap(ctx); return err },
		"AddApproval": func() error { return ro.AddApproval(ctx, Approval{Run: 1, Role: "lead", By: "x"}) },
		"Audit":       func() error { return ro.Audit(ctx, "x", "y", "z", t0) },
		"SetFact":     func() error { return ro.SetFact(ctx, "k", "v", t0) },
		"Enqueue":     func() error { return ro.Enqueue(ctx, OutboxEvent{ID: "e", Hook: "h", Type: "t"}) },
		"ClaimEvents": func() error { _, err := ro.ClaimEvents(ctx, 1, time.Second); return err },
	}
	for name, write := range writes {
		if err := write(); !errors.Is(err, ErrReadOnly) {
			t.Errorf("%s on a read-only store = %v, want ErrReadOnly", name, err)
		}
	}
	if rawStatus(t, s, 1) != "running" {
		t.Error("the read-only store changed run 1")
	}
}

func testApprovals(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "preprod", Extraction: 1, By: "lea"}); err != nil {
		t.Fatal(err)
	}
	given := []Approval{
		{Run: 1, Role: "reviewer", By: "anna@example.ch", Authenticated: true, Note: "log checked", At: t0},
		{Run: 1, Role: "customer", By: "beat", Note: "phones wrong", At: t0.Add(time.Hour), Refused: true},
		{Run: 1, Role: "customer", By: "beat", At: t0.Add(2 * time.Hour)},
	}
	for _, a := range given {
		if err := s.AddApproval(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Approvals(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range given {
		given[i].At = given[i].At.Truncate(time.Microsecond)
		given[i].Seq = int64(i + 1)
	}
	if !reflect.DeepEqual(got, given) {
		t.Errorf("Approvals = %+v, want %+v", got, given)
	}
	log, _ := s.AuditLog(ctx)
	if len(log) != 3 || log[0].Action != ActionApprove || log[1].Action != ActionReject || log[0].Actor != "anna@example.ch" ||
		log[1].Detail != `run 1 (import into preprod): refused by beat (customer) 2026-12-08: "phones wrong" (unauthenticated)` ||
		log[0].Detail != `run 1 (import into preprod): approved by anna@example.ch (reviewer) 2026-12-08: "log checked"` {
		t.Errorf("sign-off entries = %+v", log)
	}
	if none, err := s.Approvals(ctx, 2); err != nil || len(none) != 0 {
		t.Errorf("Approvals(2) = %v, %v", none, err)
	}
	bad := []struct {
		a    Approval
		want string
	}{
		{Approval{Run: 5, Role: "customer", By: "B", At: t0}, "approve run 5: run 5 does not exist (latest is run 1)"},
		{Approval{Run: 1, By: "B", At: t0}, "role is required"},
		{Approval{Run: 1, Role: "lead", At: t0}, "name (by) is required"},
	}
	for _, b := range bad {
		if err := s.AddApproval(ctx, b.a); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("AddApproval(%+v) = %v, want %q", b.a, err, b.want)
		}
	}
}

func testAudit(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if v, err := s.VerifyAudit(ctx); err != nil || !v.OK() || v.Entries != 0 {
		t.Errorf("VerifyAudit on an empty log = %+v, %v", v, err)
	}
	for i := range 3 {
		if err := s.Audit(ctx, "anna", "import", fmt.Sprintf(`{"run": %d, "note": "ä ? '"}`, i+1), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range 6 { // concurrent writers keep one chain
		wg.Go(func() {
			if err := s.Audit(ctx, "bot", "sync", fmt.Sprint(i), t0); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	head, err := s.Record(ctx, AuditEntry{Actor: "lea", Action: "config_changed", Detail: "gate", Data: `{"max_reject_rate":0.1}`})
	if err != nil || head.Seq != 10 || len(head.Hash) != 64 {
		t.Fatalf("Record = %+v, %v", head, err)
	}
	log, err := s.AuditLog(ctx)
	if err != nil || len(log) != 10 {
		t.Fatalf("AuditLog = %d entries, %v", len(log), err)
	}
	prev := ""
	for i, e := range log {
		if e.Seq != int64(i+1) || e.PrevHash != prev || len(e.Hash) != 64 || e.Alg != algSHA {
			t.Errorf("entry %d: seq %d prev %q hash %q alg %s", i, e.Seq, e.PrevHash, e.Hash, e.Alg)
		}
		prev = e.Hash
	}
	if e := log[1]; e.Actor != "anna" || e.Action != "import" || !e.At.Equal(t0.Add(time.Second).Truncate(time.Microsecond)) || !strings.Contains(e.Detail, `"run": 2`) {
		t.Errorf("entry 2 = %+v", e)
	}
	if got, err := s.AuditHead(ctx); err != nil || got != head {
		t.Errorf("AuditHead = %+v, %v; want %+v", got, err, head)
	}
	if v, err := s.VerifyAudit(ctx, Anchor{Seq: 3, Hash: log[2].Hash}, head); err != nil || !v.OK() || v.Entries != 10 || v.Head != head {
		t.Errorf("VerifyAudit = %+v, %v; want intact", v, err)
	}
}

// testAuditTamper: each bypass is reported, on a plain and on a keyed
// chain.
func testAuditTamper(t *testing.T, dsn string) {
	tests := []struct {
		name   string
		stmts  []string
		kind   string
		seq    int64
		anchor bool // verify with the head anchored before the tampering
	}{
		{"changed detail", []string{`UPDATE audit SET detail = 'nothing happened' WHERE seq = 4`}, ProblemChanged, 4, false},
		{"changed actor", []string{`UPDATE audit SET actor = 'mallory' WHERE seq = 1`}, ProblemChanged, 1, false},
		{"removed entry", []string{`DELETE FROM audit WHERE seq = 2`}, ProblemRemoved, 3, false},
		{"removed first entry", []string{`DELETE FROM audit WHERE seq = 1`}, ProblemRemoved, 2, false},
		{"changed and rehashed", []string{`UPDATE audit SET detail = 'x', hash = 'aaaa' WHERE seq = 2`}, ProblemChanged, 2, false},
		{"rehashed entry", []string{`UPDATE audit SET hash = prev_hash WHERE seq = 4`}, ProblemChanged, 4, false},
		{"removed tail", []string{`DELETE FROM audit WHERE seq = 5`}, ProblemRemovedTail, 5, true},
		{"removed tail and grown again", []string{`DELETE FROM audit WHERE seq >= 4`}, ProblemRemovedTail, 5, true},
		{"forged sign-off row", []string{`INSERT INTO approvals (migration, run, role, by_name, note, at, refused, audit_seq) VALUES ('acme', 1, 'customer', 'mallory', '', '2026-12-08T10:00:00.000000Z', false, 0)`}, ProblemForgedSignoff, 0, false},
		{"sign-off row bound to another entry", []string{`INSERT INTO approvals (migration, run, role, by_name, note, at, refused, audit_seq) VALUES ('acme', 1, 'customer', 'mallory', '', '2026-12-08T10:00:00.000000Z', false, 2)`}, ProblemForgedSignoff, 2, false},
		{"altered sign-off row", []string{`UPDATE approvals SET refused = true`}, ProblemForgedSignoff, 3, false},
	}
	ctx := context.Background()
	for _, keyed := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/keyed=%v", tt.name, keyed), func(t *testing.T) {
				var key []byte
				if keyed {
					key = []byte("0123456789abcdef0123")
				}
				s := openWith(t, dsn, Options{Migration: "acme", AuditKey: key})
				for _, stmt := range []string{`DELETE FROM audit`, `DELETE FROM approvals`, `DELETE FROM runs`} {
					if _, err := s.db.Exec(stmt); err != nil {
						t.Fatal(err)
					}
				}
				chain(t, s)
				head, _ := s.AuditHead(ctx)
				for _, stmt := range tt.stmts {
					if s.postgres {
						stmt = strings.ReplaceAll(stmt, "'2026-12-08T10:00:00.000000Z'", "'2026-12-08T10:00:00Z'")
					} else {
						stmt = strings.ReplaceAll(strings.ReplaceAll(stmt, "false", "0"), "true", "1")
					}
					if _, err := s.db.Exec(stmt); err != nil {
						t.Fatal(err)
					}
				}
				if tt.name == "removed tail and grown again" {
					if err := s.Audit(ctx, "mallory", "note", "regrown", t0); err != nil {
						t.Fatal(err)
					}
					if err := s.Audit(ctx, "mallory", "note", "regrown", t0); err != nil {
						t.Fatal(err)
					}
				}
				var anchors []Anchor
				if tt.anchor {
					anchors = append(anchors, head)
				}
				v, err := s.VerifyAudit(ctx, anchors...)
				if err != nil {
					t.Fatal(err)
				}
				if len(v.Problems) != 1 || v.Problems[0].Kind != tt.kind || v.Problems[0].Seq != tt.seq {
					t.Errorf("VerifyAudit = %+v; want one problem, %s at %d", v.Problems, tt.kind, tt.seq)
				}
				if tt.kind == ProblemForgedSignoff {
					as, err := s.Approvals(ctx, 1)
					for _, a := range as {
						if a.By != "anna" || a.Refused {
							t.Errorf("Approvals trusts the forged row: %+v", a)
						}
					}
					if err != nil || len(as) > 1 {
						t.Errorf("Approvals = %+v, %v", as, err)
					}
				}
			})
		}
	}
}

// chain writes five entries: a run (1, 2: its outcome), a sign-off (3),
// two more (4, 5).
func chain(t *testing.T, s *Store) {
	t.Helper()
	ctx := context.Background()
	r, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1, By: "lea"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Audit(ctx, "lea", "config_changed", "recipes", t0); err != nil {
		t.Fatal(err)
	}
	r.Status, r.Finished = protocol.StatusSucceeded, t0
	if err := s.FinishRun(ctx, r, Finish{}); err != nil {
		t.Fatal(err)
	}
	if err := s.AddApproval(ctx, Approval{Run: r.Number, Role: "reviewer", By: "anna", At: t0}); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Audit(ctx, "lea", "confirm", fmt.Sprint("step ", i), t0); err != nil {
			t.Fatal(err)
		}
	}
}

// testAuditKeyed: with a key, rewriting entries and recomputing their
// hashes does not verify; without it a keyed chain is neither verified
// nor extended.
func testAuditKeyed(t *testing.T, dsn string) {
	ctx := context.Background()
	key := []byte("0123456789abcdef0123")
	s := openWith(t, dsn, Options{Migration: "acme", AuditKey: key})
	chain(t, s)
	plain := openWith(t, dsn, Options{Migration: "acme"})
	// Rewrite entry 5 and recompute every hash as someone without the key would.
	if _, err := s.db.Exec(s.q(`UPDATE audit SET detail = 'rewritten', alg = 'sha256' WHERE migration = ? AND seq = 5`), s.migration); err != nil {
		t.Fatal(err)
	}
	e, _ := plain.AuditLog(ctx)
	plainHash := plain.entryHash(e[4])
	if _, err := s.db.Exec(s.q(`UPDATE audit SET hash = ? WHERE migration = ? AND seq = 5`), plainHash, s.migration); err != nil {
		t.Fatal(err)
	}
	v, err := s.VerifyAudit(ctx)
	if err != nil || v.OK() || v.Problems[0].Kind != ProblemChanged || v.Problems[0].Seq != 5 || v.Keyed != 4 {
		t.Errorf("VerifyAudit of a rehashed keyed chain = %+v, %v", v, err)
	}
	// A keyed entry recomputed with the wrong key does not verify either.
	other := openWith(t, dsn, Options{Migration: "acme", AuditKey: []byte("another key of 16 bytes")})
	if v, err := other.VerifyAudit(ctx); err != nil || v.OK() || v.Problems[0].Kind != ProblemChanged || v.Problems[0].Seq != 1 {
		t.Errorf("VerifyAudit with another key = %+v, %v", v, err)
	}
	if v, err := plain.VerifyAudit(ctx); err != nil || !hasProblem(v, ProblemUnverifiable) || hasProblem(v, ProblemForgedSignoff) {
		t.Errorf("VerifyAudit without the key = %+v, %v; want unverifiable, no forged sign-off", v, err)
	}
	if err := plain.Audit(ctx, "x", "y", "z", t0); !errors.Is(err, ErrAuditKeyRequired) {
		t.Errorf("Audit without the key on a keyed chain = %v", err)
	}
	if as, err := plain.Approvals(ctx, 1); err != nil || len(as) != 0 {
		t.Errorf("Approvals without the key trusts a keyed sign-off: %+v, %v", as, err)
	}
	if as, err := s.Approvals(ctx, 1); err != nil || len(as) != 1 {
		t.Errorf("Approvals with the key = %+v, %v", as, err)
	}
}

// testTenancy: two migrations in one store see nothing of each other.
func testTenancy(t *testing.T, dsn string) {
	ctx := context.Background()
	a := openWith(t, dsn, Options{Migration: "acme"})
	b := openWith(t, dsn, Options{Migration: "globex"})
	for _, s := range []*Store{a, b, a} {
		r, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1, By: s.migration})
		if err != nil {
			t.Fatal(err)
		}
		r.Status, r.Finished = protocol.StatusSucceeded, t0
		if err := s.FinishRun(ctx, r, Finish{}); err != nil {
			t.Fatal(err)
		}
		if err := s.AddApproval(ctx, Approval{Run: r.Number, Role: "reviewer", By: "rev-" + s.migration}); err != nil {
			t.Fatal(err)
		}
		if err := s.SetFact(ctx, "freeze", s.migration, t0); err != nil {
			t.Fatal(err)
		}
		if err := s.Enqueue(ctx, OutboxEvent{ID: fmt.Sprint("ev-", r.Number), Hook: "h", Type: "run_finished"}); err != nil {
			t.Fatal(err)
		}
	}
	ra, _ := a.Runs(ctx, "")
	rb, _ := b.Runs(ctx, "dev")
	if len(ra) != 2 || len(rb) != 1 || rb[0].Number != 1 || rb[0].StartedBy != "globex" || ra[1].StartedBy != "acme" {
		t.Errorf("runs: acme %+v, globex %+v", ra, rb)
	}
	if _, err := b.Run(ctx, 2); !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "latest is run 1") {
		t.Errorf("globex sees acme's run 2: %v", err)
	}
	if err := b.AddApproval(ctx, Approval{Run: 2, Role: "customer", By: "x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("globex signs acme's run 2: %v", err)
	}
	if as, _ := b.Approvals(ctx, 1); len(as) != 1 || as[0].By != "rev-globex" {
		t.Errorf("globex approvals of run 1 = %+v", as)
	}
	for _, s := range []*Store{a, b} {
		v, err := s.VerifyAudit(ctx)
		if err != nil || !v.OK() {
			t.Errorf("%s: VerifyAudit = %+v, %v", s.migration, v, err)
		}
		log, _ := s.AuditLog(ctx)
		for _, e := range log {
			if strings.Contains(e.Detail+e.Actor+e.Data, map[string]string{"acme": "globex", "globex": "acme"}[s.migration]) {
				t.Errorf("%s's audit log shows %+v", s.migration, e)
			}
		}
		if v, _, _, _ := s.Fact(ctx, "freeze"); v != s.migration {
			t.Errorf("%s's freeze fact = %q", s.migration, v)
		}
	}
	if na, _ := a.PendingEvents(ctx); na != 2 {
		t.Errorf("acme has %d pending events, want 2", na)
	}
	if evs, _ := b.ClaimEvents(ctx, 10, time.Minute); len(evs) != 1 || evs[0].ID != "ev-1" {
		t.Errorf("globex claims %+v", evs)
	}
}

func testFacts(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if v, _, ok, err := s.Fact(ctx, "freeze"); ok || err != nil || v != "" {
		t.Errorf("Fact before set = %q, %v, %v", v, ok, err)
	}
	for i, v := range []string{`{"by":"anna"}`, `{"by":"beat"}`} {
		if err := s.SetFact(ctx, "freeze", v, t0.Add(time.Duration(i)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	v, at, ok, err := s.Fact(ctx, "freeze")
	if !ok || err != nil || v != `{"by":"beat"}` || !at.Equal(t0.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("Fact = %q, %v, %v, %v", v, at, ok, err)
	}
}

func testOutbox(t *testing.T, dsn string) {
	ctx := context.Background()
	clk := newClock()
	s := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now})
	other := openWith(t, dsn, Options{Migration: "acme", Now: clk.Now})
	evs := []OutboxEvent{{ID: "e1", Hook: "ops", Type: "run_finished", Body: []byte(`{"id":"e1"}`)},
		{ID: "e1", Hook: "crm", Type: "run_finished", Body: []byte(`{"id":"e1"}`)}}
	if err := s.Enqueue(ctx, evs...); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, OutboxEvent{ID: "e2", Type: "x"}); err == nil {
		t.Error("an event without a webhook was queued")
	}
	got, err := s.ClaimEvents(ctx, 10, time.Minute)
	if err != nil || len(got) != 2 || string(got[0].Body) != `{"id":"e1"}` || got[0].Attempts != 0 {
		t.Fatalf("ClaimEvents = %+v, %v", got, err)
	}
	if again, err := other.ClaimEvents(ctx, 10, time.Minute); err != nil || len(again) != 0 {
		t.Errorf("claimed events were claimed again: %+v, %v", again, err)
	}
	if got[0].Hook != "crm" {
		got[0], got[1] = got[1], got[0]
	}
	if err := s.Delivered(ctx, got[1]); err != nil { // ops
		t.Fatal(err)
	}
	if err := s.DeliveryFailed(ctx, got[0], "connection refused", clk.Now().Add(10*time.Second)); err != nil { // crm
		t.Fatal(err)
	}
	if n, _ := s.PendingEvents(ctx); n != 1 {
		t.Errorf("PendingEvents = %d, want 1", n)
	}
	if due, _ := other.ClaimEvents(ctx, 10, time.Minute); len(due) != 0 {
		t.Errorf("an event was due before its retry time: %+v", due)
	}
	clk.Add(11 * time.Second)
	due, err := other.ClaimEvents(ctx, 10, time.Minute)
	if err != nil || len(due) != 1 || due[0].Hook != "crm" || due[0].Attempts != 1 || due[0].LastError != "connection refused" {
		t.Fatalf("retry = %+v, %v", due, err)
	}
	// A claim whose sender died is taken again after its hold.
	clk.Add(2 * time.Minute)
	if again, _ := s.ClaimEvents(ctx, 10, time.Minute); len(again) != 1 {
		t.Errorf("an abandoned claim was not taken again: %+v", again)
	}
}

// testFinishRunAtomic: a FinishRun that fails leaves no audit entry and no
// event; one that succeeds leaves both.
func testFinishRunAtomic(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	r, _ := s.BeginRun(ctx, NewRun{Kind: "check", Extraction: 1})
	r.Status, r.Finished = protocol.StatusSucceeded, t0
	ev := OutboxEvent{ID: "e1", Hook: "ops", Type: "run_finished", Body: []byte(`{}`)}
	if err := s.FinishRun(ctx, r, Finish{Events: []OutboxEvent{ev, {ID: "bad"}}}); err == nil {
		t.Fatal("FinishRun with an invalid event succeeded")
	}
	wantStatus(t, s, 1, "running")
	if n, _ := s.PendingEvents(ctx); n != 0 {
		t.Errorf("failed FinishRun queued %d events", n)
	}
	if log, _ := s.AuditLog(ctx); len(log) != 0 {
		t.Errorf("failed FinishRun wrote %d entries", len(log))
	}
	if err := s.FinishRun(ctx, r, Finish{Events: []OutboxEvent{ev}}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.PendingEvents(ctx); n != 1 {
		t.Errorf("PendingEvents = %d, want 1", n)
	}
}

func testMigrations(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.BeginRun(ctx, NewRun{Kind: "check", Extraction: 1}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	again := openStore(t, dsn)
	var versions, maxVersion int
	if err := again.db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&versions, &maxVersion); err != nil {
		t.Fatal(err)
	}
	if known := len(again.migrations()); versions != known || maxVersion != known {
		t.Errorf("schema_migrations holds %d versions up to %d, want %d", versions, maxVersion, known)
	}
	if r, err := again.Run(ctx, 1); err != nil || r.Kind != "check" {
		t.Errorf("run 1 after reopening: %v, %v", r, err)
	}
}

// testUpgradeFromV1: a schema-1 store's runs, sign-offs, facts and audit
// log go to the first migration that opens it; its chain still verifies
// and its sign-offs still count, each bound to the chain by an entry.
func testUpgradeFromV1(t *testing.T, dsn string) {
	ctx := context.Background()
	old := rawStore(t, dsn)
	for _, stmt := range append([]string{`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
		`INSERT INTO schema_migrations (version) VALUES (1)`}, old.migrations()[0]...) {
		if _, err := old.db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	exec := func(q string, args ...any) {
		if _, err := old.db.Exec(old.q(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO runs (number, kind, env, extraction, status, started, finished) VALUES (1, 'import', 'dev', 1, 'succeeded', ?, ?)`, old.t(t0), old.t(t0))
	exec(`INSERT INTO approvals (run, role, by_name, note, at, refused) VALUES (1, 'reviewer', 'Anna', 'ok', ?, ?)`, old.t(t0), false)
	exec(`INSERT INTO facts (key, value, at) VALUES ('freeze', 'Lea', ?)`, old.t(t0))
	e := AuditEntry{Seq: 1, At: t0, Actor: "Anna", Action: "approve", Detail: "run 1", Alg: algV1}
	e.Hash = old.entryHash(e)
	exec(`INSERT INTO audit (seq, at, actor, action, detail, prev_hash, hash) VALUES (1, ?, 'Anna', 'approve', 'run 1', '', ?)`, old.t(t0), e.Hash)
	old.db.Close()

	var sv *SchemaVersionError
	if _, err := Open(ctx, dsn, Options{Migration: "acme", ReadOnly: true}); !errors.As(err, &sv) || sv.Found != 1 || !strings.Contains(err.Error(), "run a command that records") {
		t.Errorf("read-only Open of a schema-1 store = %v", err)
	}
	s := openWith(t, dsn, Options{Migration: "acme"})
	if r, err := s.Run(ctx, 1); err != nil || r.Status != "succeeded" {
		t.Errorf("run 1 after the upgrade = %+v, %v", r, err)
	}
	if v, _, ok, _ := s.Fact(ctx, "freeze"); !ok || v != "Lea" {
		t.Errorf("freeze after the upgrade = %q, %v", v, ok)
	}
	as, err := s.Approvals(ctx, 1)
	if err != nil || len(as) != 1 || as[0].By != "Anna" || as[0].Seq != 2 {
		t.Errorf("approvals after the upgrade = %+v, %v", as, err)
	}
	log, _ := s.AuditLog(ctx)
	if len(log) != 2 || log[1].Action != ActionAdopt || log[1].PrevHash != log[0].Hash {
		t.Errorf("audit after the upgrade = %+v", log)
	}
	if v, err := s.VerifyAudit(ctx); err != nil || !v.OK() {
		t.Errorf("VerifyAudit after the upgrade = %+v, %v", v, err)
	}
	if r, err := s.BeginRun(ctx, NewRun{Kind: "check", Extraction: 1}); err != nil || r.Number != 2 {
		t.Errorf("next run after the upgrade = %+v, %v", r, err)
	}
	other := openWith(t, dsn, Options{Migration: "globex"})
	if runs, _ := other.Runs(ctx, ""); len(runs) != 0 {
		t.Errorf("another migration sees the adopted runs: %+v", runs)
	}
}

func testNewerSchema(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version) VALUES (999)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, ro := range []bool{false, true} {
		_, err := Open(context.Background(), dsn, Options{ReadOnly: ro})
		var sv *SchemaVersionError
		if !errors.As(err, &sv) || sv.Found != 999 || sv.Known != len(s.migrations()) {
			t.Fatalf("Open (read-only %v) of a newer schema: %v", ro, err)
		}
		if !strings.Contains(err.Error(), "schema version 999") || !strings.Contains(err.Error(), "upgrade handover") {
			t.Errorf("error %q does not explain", err)
		}
	}
}

func hasProblem(v *Verification, kind string) bool {
	for _, p := range v.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}
