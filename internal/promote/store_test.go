package promote

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	_ "modernc.org/sqlite"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/testenv"
)

// TestStoreSignoffs runs promotion against the real state stores: a
// sign-off counts only through its audit entry, so an approvals row
// inserted by hand does not unlock a promotion; the starter cannot
// review; a later import voids the sign-off.
func TestStoreSignoffs(t *testing.T) {
	backends := []struct {
		name string
		dsn  func(t *testing.T) (dsn, driver, raw string)
	}{
		{"SQLite", func(t *testing.T) (string, string, string) {
			path := filepath.Join(t.TempDir(), "state.db")
			return "sqlite://" + path, "sqlite", path
		}},
		{"Postgres", func(t *testing.T) (string, string, string) {
			dsn := testenv.FreshPostgres(t)
			return dsn, "pgx", dsn + "&search_path=" + state.DefaultSchema
		}},
	}
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			for _, keyed := range []bool{false, true} {
				dsn, driver, raw := b.dsn(t)
				testStoreSignoffs(t, dsn, driver, raw, keyed)
			}
		})
	}
}

func testStoreSignoffs(t *testing.T, dsn, driver, raw string, keyed bool) {
	ctx := context.Background()
	opts := state.Options{Migration: "acme", Now: func() time.Time { return day0 }}
	if keyed {
		opts.AuditKey = []byte("a key of at least sixteen bytes")
	}
	st, err := state.Open(ctx, dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	importDev := func(by string) int {
		r, err := st.BeginRun(ctx, state.NewRun{Kind: protocol.KindImport, Env: "dev", Extraction: 1, By: by})
		if err != nil {
			t.Fatal(err)
		}
		r.Status, r.Finished = protocol.StatusSucceeded, day0
		r.Protocol = &protocol.Protocol{Run: r.Number, Kind: protocol.KindImport, Env: "dev", Status: r.Status,
			Hashes: curRec, Transaction: protocol.TransactionCommitted}
		if err := st.FinishRun(ctx, r, state.Finish{}); err != nil {
			t.Fatal(err)
		}
		return r.Number
	}
	check := func(want string) {
		t.Helper()
		d, err := Check(ctx, st, testProject(), Request{Env: "preprod", Hashes: current, Extraction: 1})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case want == "" && !d.Allowed:
			t.Errorf("keyed %v: refused: %q", keyed, d.Missing)
		case want != "" && (d.Allowed || len(d.Missing) != 1 || !strings.Contains(d.Missing[0], want)):
			t.Errorf("keyed %v: allowed %v, missing %q; want one containing %q", keyed, d.Allowed, d.Missing, want)
		}
	}
	run1 := importDev("lea")
	db, err := sql.Open(driver, raw)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	forge := `INSERT INTO approvals (migration, run, role, by_name, note, at, refused) VALUES ('acme', 1, 'reviewer', 'mallory', '', '2026-12-01T10:00:00Z', false)`
	if driver == "sqlite" {
		forge = strings.Replace(forge, "false", "0", 1)
	}
	if _, err := db.Exec(forge); err != nil {
		t.Fatal(err)
	}
	check("run 1 needs a sign-off by reviewer")
	if err := st.AddApproval(ctx, state.Approval{Run: run1, Role: "reviewer", By: "Lea"}); err != nil {
		t.Fatal(err)
	}
	check("run 1 was started by Lea, who cannot review it")
	if err := st.AddApproval(ctx, state.Approval{Run: run1, Role: "reviewer", By: "bob@example.ch", Authenticated: true}); err != nil {
		t.Fatal(err)
	}
	check("")
	importDev("lea")
	check("(the sign-offs on run 1 were voided by the later import, run 2)")
	v, err := st.VerifyAudit(ctx)
	if err != nil || len(v.Problems) != 1 || v.Problems[0].Kind != state.ProblemForgedSignoff {
		t.Errorf("VerifyAudit = %+v, %v; want the forged row", v, err)
	}
}
