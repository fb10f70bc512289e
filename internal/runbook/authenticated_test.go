package runbook

import (
	"context"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// TestAuthenticatedSignOffStep: where an environment requires the
// customer's sign-off from an account, the customer-validation step is
// not done by a sign-off on the command line, and says why; an account's
// sign-off completes it.
func TestAuthenticatedSignOffStep(t *testing.T) {
	f := &fake{}
	addRun(f, protocol.KindImport, "dev", protocol.StatusSucceeded, on(12, 5, 9), false) // run 1
	addApproval(f, 1, "reviewer", "Bob", on(12, 6, 8), false)
	setFact(f, StepPreprodRefreshed, "Lea", on(12, 7, 10))
	addRun(f, protocol.KindImport, "preprod", protocol.StatusSucceeded, on(12, 8, 9), false) // run 2
	addApproval(f, 2, "customer", "anna", on(12, 13, 10), false)                             // command line: unauthenticated
	x := []Extraction{{Number: 1, Received: on(12, 1, 9)}}
	build := func(auth []string) *Step {
		rb, err := Build(context.Background(), f, Config{Cutover: cutover, Today: on(12, 13, 12), Envs: envs, Hashes: hashes, Extractions: x, Authenticated: auth})
		if err != nil {
			t.Fatal(err)
		}
		return rb.Step(StepCustomerValidation)
	}
	if s := build(nil); s.Status != Done {
		t.Fatalf("no authenticated requirement: customer_validation = %s (%s), want done", s.Status, s.Note)
	}
	s := build([]string{"customer"})
	if s.Status == Done || !strings.Contains(s.Note, "from an account of the web server") || !strings.Contains(s.Note, "unauthenticated and does not count") {
		t.Fatalf("customer signed on the command line: customer_validation = %s (%q); want not done, saying the sign-off does not count", s.Status, s.Note)
	}
	f.approvals = append(f.approvals, state.Approval{Run: 2, Role: "customer", By: "ann@acme.example", Authenticated: true, At: on(12, 13, 11)})
	if s := build([]string{"customer"}); s.Status != Done || !strings.Contains(strings.Join(s.Evidence, " | "), "ann@acme.example") {
		t.Fatalf("customer signed in the web server: customer_validation = %s (%q, %v); want done by ann@acme.example", s.Status, s.Note, s.Evidence)
	}
}
