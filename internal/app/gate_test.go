package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// gateProject is a project whose contacts are deleted from the environment
// when an extraction lacks them, with a gate that fails when the number of
// contacts read moves by more than half: a truncated export must not wipe
// the environment.
func gateProject(t *testing.T, database, onGateFailure string) *fixture {
	f := newFixture(t, func(cfg string) string {
		env := "    database: " + database + "\n"
		if onGateFailure != "" {
			env += "    on_gate_failure: " + onGateFailure + "\n"
		}
		cfg = strings.Replace(cfg, "    database: sqlite://.handover/dev.db      # relative to this directory\n", env, 1)
		return strings.Replace(cfg, "gate:\n", "gate:\n  max_count_change: 0.5\n", 1)
	})
	f.editFile("format.yaml", func(s string) string {
		return strings.Replace(s, "  - name: contacts\n    key: external_id\n", "  - name: contacts\n    key: external_id\n    removed: delete\n", 1)
	})
	return f
}

// testGateRollsBack imports a full extraction, then a truncated one whose
// gate fails: the environment is exactly as after the first import, the
// run is gate_failed and says it was rolled back. With on_gate_failure:
// commit the same import is kept, and says so.
func testGateRollsBack(t *testing.T, f *fixture, dump func() string) {
	ctx := context.Background()
	f.receive(-1)
	first, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil || first.Protocol.Status != protocol.StatusSucceeded || first.Protocol.Transaction != protocol.TransactionCommitted {
		t.Fatalf("first import: %v %+v", err, first)
	}
	before := dump()
	if strings.Count(before, "\n") < 5 {
		t.Fatalf("first import loaded too little:\n%s", before)
	}

	f.receive(2)
	res, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil {
		t.Fatalf("truncated import: %v", err)
	}
	p := res.Protocol
	if !res.GateFailed() || p.Transaction != protocol.TransactionRolledBack {
		t.Fatalf("truncated import: status %s transaction %q; want gate_failed, rolled_back", p.Status, p.Transaction)
	}
	if p.Entities[1].Removed == 0 {
		t.Fatalf("the truncated import removed nothing (%+v): the test proves nothing", p.Entities[1])
	}
	if after := dump(); after != before {
		t.Errorf("a rolled-back gate failure changed the environment:\nbefore\n%s\nafter\n%s", before, after)
	}
	runs, err := f.svc.Runs(ctx, RunsRequest{Actor: tester, Project: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	last := runs[len(runs)-1]
	if last.Status != protocol.StatusGateFailed || last.Protocol.Transaction != protocol.TransactionRolledBack {
		t.Errorf("runs: last run %d %s %q", last.Number, last.Status, last.Protocol.Transaction)
	}

	// The same import with on_gate_failure: commit keeps the rows.
	f.editFile("handover.yaml", func(s string) string {
		return strings.Replace(s, "environments:\n  dev:\n", "environments:\n  dev:\n    on_gate_failure: commit\n", 1)
	})
	res, err = f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil || !res.GateFailed() || res.Protocol.Transaction != protocol.TransactionCommitted {
		t.Fatalf("with on_gate_failure: commit: %v, status %s transaction %q", err, res.Protocol.Status, res.Protocol.Transaction)
	}
	if after := dump(); after == before {
		t.Errorf("with on_gate_failure: commit the environment did not change")
	}
}

func TestGateFailureRollsBackSQLite(t *testing.T) {
	f := gateProject(t, "sqlite://.handover/dev.db", "")
	testGateRollsBack(t, f, func() string { return sqliteDump(t, filepath.Join(f.dir, ".handover", "dev.db"), "contacts") })
}

func TestGateFailureRollsBackPostgres(t *testing.T) {
	url := testenv.FreshPostgres(t)
	f := gateProject(t, "${DEV_DATABASE_URL}", "")
	f.env["DEV_DATABASE_URL"] = url
	testGateRollsBack(t, f, func() string { return postgresDump(t, url, "contacts") })
}

// A project may not name an unknown on_gate_failure.
func TestOnGateFailureStrict(t *testing.T) {
	f := gateProject(t, "sqlite://.handover/dev.db", "keep")
	_, err := f.svc.Project(f.dir)
	if err == nil || !IsInvalid(err) || !strings.Contains(err.Error(), "environments.dev.on_gate_failure must be rollback or commit, not \"keep\"") {
		t.Fatalf("on_gate_failure: keep: %v", err)
	}
}

// An extraction whose import into a required environment failed its gate
// cannot be promoted: the refusal names that run, although an earlier
// extraction passed there with the same recipes.
func TestGateFailureBlocksPromotion(t *testing.T) {
	f := gateProject(t, "sqlite://.handover/dev.db", "")
	f.editFile("handover.yaml", func(s string) string {
		s = strings.Replace(s, "environments:\n", "environments:\n  preprod:\n    database: sqlite://.handover/preprod.db\n    requires: [dev]\n", 1)
		return s + "freeze:\n  required: false\n"
	})
	ctx := context.Background()
	f.receive(-1)
	if res, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"}); err != nil || res.GateFailed() {
		t.Fatalf("import of extraction 1 into dev: %v", err)
	}
	f.receive(2)
	res, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil || !res.GateFailed() {
		t.Fatalf("import of extraction 2 into dev: %v; want gate_failed", err)
	}
	gateRun := res.Protocol.Run
	_, err = f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "preprod"})
	var ref *Refusal
	if !errors.As(err, &ref) {
		t.Fatalf("import of extraction 2 into preprod: %v; want a refusal", err)
	}
	want := fmt.Sprintf("dev: run %d, the import of extraction 2, failed the quality gate", gateRun)
	if len(ref.Runs) != 1 || ref.Runs[0] != gateRun || !strings.Contains(err.Error(), want) {
		t.Errorf("refusal %q (runs %v); want it to name run %d: %q", err, ref.Runs, gateRun, want)
	}
	// Extraction 1, which passed dev's gate, may still go.
	if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "preprod", Extraction: 1}); err != nil {
		t.Errorf("import of extraction 1 into preprod: %v", err)
	}
}
