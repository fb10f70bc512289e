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
		{"MarkInterrupted", testMarkInterrupted},
		{"Approvals", testApprovals},
		{"Audit", testAudit},
		{"AuditTamper", testAuditTamper},
		{"Facts", testFacts},
		{"Migrations", testMigrations},
		{"NewerSchema", testNewerSchema},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, newDSN(t)) })
	}
}

func testNumbering(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	host, _ := os.Hostname()
	begins := []struct {
		kind, env  string
		extraction int
	}{{"check", "", 1}, {"import", "dev", 1}, {"diff", "preprod", 2}, {"sync", "dev", 2}}
	for i, b := range begins {
		r, err := s.BeginRun(ctx, b.kind, b.env, b.extraction, t0.Add(time.Duration(i)*time.Minute))
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
		want := &Run{Number: i + 1, Kind: b.kind, Env: b.env, Extraction: b.extraction, Status: "running",
			Started: t0.Add(time.Duration(i) * time.Minute).Truncate(time.Microsecond), PID: os.Getpid(), Host: host}
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
				r, err := stores[w%2].BeginRun(ctx, "check", "", 1, t0)
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
	r, err := s.BeginRun(ctx, protocol.KindImport, "dev", 3, t0)
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
	if err := s.FinishRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	back, err := s.Run(ctx, r.Number)
	if err != nil {
		t.Fatal(err)
	}
	r.Started, r.Finished = r.Started.Truncate(time.Microsecond), r.Finished.Truncate(time.Microsecond)
	if !reflect.DeepEqual(back, r) {
		t.Errorf("read back\n%+v\nwant\n%+v", back, r)
	}
	if !reflect.DeepEqual(back.Protocol, p) {
		t.Errorf("protocol read back\n%+v\nwant\n%+v", back.Protocol, p)
	}
	if err := s.FinishRun(ctx, &Run{Number: 42, Status: "failed"}); err == nil || !strings.Contains(err.Error(), "run 42 does not exist (latest is run 1)") {
		t.Errorf("finishing a missing run: %v", err)
	}
	if err := s.FinishRun(ctx, &Run{Number: 1, Status: "running"}); err == nil {
		t.Error("finishing with status running succeeded")
	}
}

func testRunNotFound(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.Run(ctx, 9); err == nil || err.Error() != "run 9 does not exist (no runs yet)" || !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(9) on an empty store: %v", err)
	}
	for range 4 {
		if _, err := s.BeginRun(ctx, "check", "", 1, t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Run(ctx, 9); err == nil || err.Error() != "run 9 does not exist (latest is run 4)" || !errors.Is(err, ErrNotFound) {
		t.Errorf("Run(9): %v", err)
	}
}

// deadPID is above Linux's largest pid_max (2^22), so no process has it.
const deadPID = 99999999

func testMarkInterrupted(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	alive, err := s.BeginRun(ctx, "import", "dev", 1, t0) // this process: alive
	if err != nil {
		t.Fatal(err)
	}
	insert := func(n, pid int, host, status string) {
		_, err := s.db.Exec(s.q(`INSERT INTO runs (number, kind, env, extraction, status, started, pid, host) VALUES (?, 'import', 'dev', 1, ?, ?, ?, ?)`),
			n, status, s.t(t0), pid, host)
		if err != nil {
			t.Fatal(err)
		}
	}
	insert(2, deadPID, s.host, "running")              // died on this host
	insert(3, deadPID, "elsewhere.example", "running") // another host: cannot tell
	insert(4, deadPID, s.host, "succeeded")            // finished long ago
	n, err := s.MarkInterrupted(ctx)
	if err != nil || n != 1 {
		t.Fatalf("MarkInterrupted = %d, %v; want 1", n, err)
	}
	want := map[int]string{alive.Number: "running", 2: "interrupted", 3: "running", 4: "succeeded"}
	for num, status := range want {
		r, err := s.Run(ctx, num)
		if err != nil || r.Status != status {
			t.Errorf("run %d: status %v (%v), want %s", num, r, err, status)
		}
	}
	if n, err := s.MarkInterrupted(ctx); err != nil || n != 0 {
		t.Errorf("second MarkInterrupted = %d, %v; want 0", n, err)
	}
}

func testApprovals(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.BeginRun(ctx, "import", "preprod", 1, t0); err != nil {
		t.Fatal(err)
	}
	given := []Approval{
		{Run: 1, Role: "reviewer", By: "Anna", Note: "log checked", At: t0},
		{Run: 1, Role: "customer", By: "Beat Müller", Note: "phones wrong", At: t0.Add(time.Hour), Refused: true},
		{Run: 1, Role: "customer", By: "Beat Müller", At: t0.Add(2 * time.Hour)},
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
	}
	if !reflect.DeepEqual(got, given) {
		t.Errorf("Approvals = %+v, want %+v", got, given)
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
	if bad, err := s.VerifyAudit(ctx); bad != 0 || err != nil {
		t.Errorf("VerifyAudit on an empty log = %d, %v", bad, err)
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
	log, err := s.AuditLog(ctx)
	if err != nil || len(log) != 9 {
		t.Fatalf("AuditLog = %d entries, %v", len(log), err)
	}
	prev := ""
	for i, e := range log {
		if e.Seq != int64(i+1) || e.PrevHash != prev || len(e.Hash) != 64 {
			t.Errorf("entry %d: seq %d prev %q hash %q", i, e.Seq, e.PrevHash, e.Hash)
		}
		prev = e.Hash
	}
	if e := log[1]; e.Actor != "anna" || e.Action != "import" || !e.At.Equal(t0.Add(time.Second).Truncate(time.Microsecond)) || !strings.Contains(e.Detail, `"run": 2`) {
		t.Errorf("entry 2 = %+v", e)
	}
	if bad, err := s.VerifyAudit(ctx); bad != 0 || err != nil {
		t.Errorf("VerifyAudit = %d, %v; want intact", bad, err)
	}
}

func testAuditTamper(t *testing.T, dsn string) {
	tests := []struct {
		name string
		stmt string
		want int64
	}{
		{"changed detail", `UPDATE audit SET detail = 'nothing happened' WHERE seq = 3`, 3},
		{"changed actor", `UPDATE audit SET actor = 'mallory' WHERE seq = 1`, 1},
		{"removed entry", `DELETE FROM audit WHERE seq = 2`, 3},
		{"rehashed entry", `UPDATE audit SET hash = prev_hash WHERE seq = 4`, 4},
	}
	ctx := context.Background()
	s := openStore(t, dsn)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.db.Exec(`DELETE FROM audit`); err != nil {
				t.Fatal(err)
			}
			for i := range 5 {
				if err := s.Audit(ctx, "anna", "approve", fmt.Sprint("run ", i), t0); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.db.Exec(tt.stmt); err != nil {
				t.Fatal(err)
			}
			if bad, err := s.VerifyAudit(ctx); bad != tt.want || err != nil {
				t.Errorf("VerifyAudit = %d, %v; want %d", bad, err, tt.want)
			}
		})
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

func testMigrations(t *testing.T, dsn string) {
	ctx := context.Background()
	s := openStore(t, dsn)
	if _, err := s.BeginRun(ctx, "check", "", 1, t0); err != nil {
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

func testNewerSchema(t *testing.T, dsn string) {
	s := openStore(t, dsn)
	if _, err := s.db.Exec(`INSERT INTO schema_migrations (version) VALUES (999)`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	_, err := Open(context.Background(), dsn)
	var sv *SchemaVersionError
	if !errors.As(err, &sv) || sv.Found != 999 || sv.Known != len(s.migrations()) {
		t.Fatalf("Open of a newer schema: %v", err)
	}
	if !strings.Contains(err.Error(), "schema version 999") || !strings.Contains(err.Error(), "upgrade handover") {
		t.Errorf("error %q does not explain", err)
	}
}
