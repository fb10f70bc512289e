package app

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestAuthenticatedSignOffs: prod requires the reviewer's and the
// customer's sign-offs on dev's run authenticated. A sign-off of the
// command line is recorded unauthenticated and does not count (the
// refusal says to sign in the web server); the four-eyes rules hold among
// accounts; accounts' sign-offs let the import through.
func TestAuthenticatedSignOffs(t *testing.T) {
	f := newFixture(t, func(cfg string) string {
		return strings.Replace(cfg, "environments:\n", `environments:
  prod:
    database: sqlite://.handover/prod.db
    requires: [dev]
    approvals: [{role: reviewer, authenticated: true}, {role: customer, authenticated: true}]
`, 1) + "freeze:\n  required: false\n"
	})
	ctx := context.Background()
	f.receive(-1)
	eng := Actor{Name: "eng@example.com", Authenticated: true, Account: "1"}
	res, err := f.svc.Import(ctx, ImportRequest{Actor: eng, Project: f.dir, Env: "dev"})
	if err != nil || res.GateFailed() {
		t.Fatalf("import into dev: %v", err)
	}
	run := res.Protocol.Run

	so, err := f.svc.SignOff(ctx, SignOffRequest{Actor: Actor{Name: "rita"}, Project: f.dir, Run: run, Role: "reviewer"})
	if err != nil {
		t.Fatal(err)
	}
	if so.Approval.Authenticated || so.Approval.By != "rita" || !slices.Equal(so.NeedsAuthenticated, []string{"prod"}) {
		t.Errorf("command-line sign-off %+v, needs authenticated %v", so.Approval, so.NeedsAuthenticated)
	}
	refused := func(want ...string) {
		t.Helper()
		_, err := f.svc.Import(ctx, ImportRequest{Actor: eng, Project: f.dir, Env: "prod"})
		var ref *Refusal
		if !errors.As(err, &ref) {
			t.Fatalf("import into prod: %v; want a refusal", err)
		}
		if len(ref.Missing) != len(want) {
			t.Fatalf("refusal %q; want %d missing", ref.Missing, len(want))
		}
		for i, w := range want {
			if !strings.Contains(ref.Missing[i], w) {
				t.Errorf("missing[%d] = %q; want %q", i, ref.Missing[i], w)
			}
		}
	}
	refused(
		"dev: run 1 needs a sign-off by reviewer from an account of the web server (approved by rita (reviewer) 2026-11-20 on the command line is unauthenticated and does not count) (prod requires it authenticated: the reviewer signs run 1 in the web server (handover serve), logged in with their account)",
		"dev: run 1 needs a sign-off by customer from an account of the web server (prod requires it authenticated")

	sv, err := f.svc.Serve(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	sign := func(who, role string) error {
		_, err := sv.Countersign(ctx, CountersignRequest{Actor: Actor{Name: who, Authenticated: true}, Run: run, Role: role})
		return err
	}
	var four *RefusedError
	if err := sign("eng@example.com", "reviewer"); !errors.As(err, &four) || !strings.Contains(err.Error(), "you started run 1") {
		t.Errorf("the starter signs as reviewer: %v", err)
	}
	if err := sign("rita@example.com", "reviewer"); err != nil {
		t.Fatal(err)
	}
	if err := sign("rita@example.com", "customer"); !errors.As(err, &four) || !strings.Contains(err.Error(), "already signed run 1 as reviewer") {
		t.Errorf("one account signs two roles: %v", err)
	}
	if _, err := sv.Countersign(ctx, CountersignRequest{Actor: Actor{Name: "anna@example.com"}, Run: run, Role: "customer"}); err == nil || !IsInvalid(err) {
		t.Errorf("an unauthenticated countersignature: %v", err)
	}
	refused("dev: run 1 needs a sign-off by customer from an account of the web server")

	if err := sign("anna@example.com", "customer"); err != nil {
		t.Fatal(err)
	}
	imp, err := f.svc.Import(ctx, ImportRequest{Actor: eng, Project: f.dir, Env: "prod"})
	if err != nil {
		t.Fatalf("import into prod after the accounts signed: %v", err)
	}
	ev := strings.Join(imp.Promotion.Evidence, "\n")
	if !strings.Contains(ev, "approved by rita@example.com (reviewer)") || !strings.Contains(ev, "approved by anna@example.com (customer)") {
		t.Errorf("promotion evidence %q", ev)
	}
}
