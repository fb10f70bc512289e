package app

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/handover/handover/internal/state"
)

// Cutting the tail of the audit chain is detected: each import writes the
// chain head into its environment, and audit --verify checks the chain
// still reaches it.
func TestAuditVerifyCutTail(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	f.receive(-1)
	for range 2 {
		if _, err := f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := f.svc.Audit(ctx, AuditRequest{Actor: tester, Project: f.dir, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	head, ok := res.Anchors["dev"]
	if !ok || head.Seq < 2 || len(res.Problems) != 0 {
		t.Fatalf("before the cut: anchors %v, problems %v", res.Anchors, res.Problems)
	}
	db, err := sql.Open("sqlite", filepath.Join(f.dir, ".handover", "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DELETE FROM audit WHERE seq >= ?`, head.Seq); err != nil {
		t.Fatal(err)
	}
	db.Close()
	res, err = f.svc.Audit(ctx, AuditRequest{Actor: tester, Project: f.dir, Verify: true})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range res.Problems {
		found = found || (p.Kind == state.ProblemRemovedTail && p.Seq == head.Seq)
	}
	if !found {
		t.Errorf("after cutting the chain back before entry %d: problems %v; want removed_tail", head.Seq, res.Problems)
	}
}
