package promote

import (
	"context"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

func authed(a state.Approval) state.Approval { a.Authenticated = true; return a }

// TestCheckAuthenticated: a role prod requires authenticated counts only
// when an account signed; a refusal blocks whoever gave it; the four-eyes
// rules still hold among accounts.
func TestCheckAuthenticated(t *testing.T) {
	ok := protocol.StatusSucceeded
	tests := []struct {
		name      string
		runs      []*state.Run
		approvals []state.Approval
		missing   string // substring of the single missing sentence; "" allowed
	}{
		{name: "command-line sign-off does not count",
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{approve(9, "customer", "Anna", false, 30)},
			missing: `preprod: run 9 needs a sign-off by customer from an account of the web server (approved by Anna (customer) 2026-12-02 on the command line is unauthenticated and does not count) ` +
				`(prod requires it authenticated: the customer signs run 9 in the web server (handover serve), logged in with their account)`},
		{name: "nothing signed",
			runs:    []*state.Run{run(9, "preprod", ok, curRec, false)},
			missing: `preprod: run 9 needs a sign-off by customer from an account of the web server (prod requires it authenticated`},
		{name: "account sign-off counts",
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{authed(approve(9, "customer", "anna@example.com", false, 30))}},
		{name: "a later unauthenticated sign-off leaves the account's standing",
			runs: []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{authed(approve(9, "customer", "anna@example.com", false, 30)),
				approve(9, "customer", "someone", false, 31)}},
		{name: "an unauthenticated refusal still blocks",
			runs: []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{authed(approve(9, "customer", "anna@example.com", false, 30)),
				approve(9, "customer", "Anna", true, 31)},
			missing: `preprod: run 9 was refused by customer`},
		{name: "sign-offs on a voided run do not count",
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false), run(10, "preprod", ok, curRec, false)},
			approvals: []state.Approval{authed(approve(9, "customer", "anna@example.com", false, 30))},
			missing:   `(the sign-offs on run 9 were voided by the later import, run 10)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testProject()
			p.Environments["prod"].Authenticated = []string{"customer"}
			d, err := Check(context.Background(), &fake{runs: tt.runs, approvals: tt.approvals}, p, Request{Env: "prod", Hashes: current, Extraction: 1})
			if err != nil {
				t.Fatal(err)
			}
			if tt.missing == "" {
				if !d.Allowed {
					t.Fatalf("refused: %q", d.Missing)
				}
				return
			}
			if d.Allowed || len(d.Missing) != 1 || !strings.Contains(d.Missing[0], tt.missing) {
				t.Fatalf("Missing = %q, want one sentence with %q", d.Missing, tt.missing)
			}
		})
	}
}

// TestCheckAuthenticatedFourEyes: two roles required authenticated, both
// signed by one account: the second needs another person.
func TestCheckAuthenticatedFourEyes(t *testing.T) {
	p := testProject()
	p.Environments["prod"].Approvals = []string{"reviewer", "customer"}
	p.Environments["prod"].Authenticated = []string{"reviewer", "customer"}
	r := started(run(9, "preprod", protocol.StatusSucceeded, curRec, false), "eng@example.com")
	ev := &fake{runs: []*state.Run{r}, approvals: []state.Approval{
		authed(approve(9, "reviewer", "rita@example.com", false, 30)),
		authed(approve(9, "customer", "rita@example.com", false, 31))}}
	d, err := Check(context.Background(), ev, p, Request{Env: "prod", Hashes: current, Extraction: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.Allowed || len(d.Missing) != 1 || !strings.Contains(d.Missing[0], "rita@example.com signed as reviewer and as customer — each role needs another person") {
		t.Fatalf("Missing = %q", d.Missing)
	}
	ev.approvals[0] = authed(approve(9, "reviewer", "eng@example.com", false, 30))
	ev.approvals[1] = authed(approve(9, "customer", "anna@example.com", false, 31))
	if d, err = Check(context.Background(), ev, p, Request{Env: "prod", Hashes: current, Extraction: 1}); err != nil {
		t.Fatal(err)
	}
	if d.Allowed || len(d.Missing) != 1 || !strings.Contains(d.Missing[0], "run 9 was started by eng@example.com, who cannot review it") {
		t.Fatalf("Missing = %q", d.Missing)
	}
}
