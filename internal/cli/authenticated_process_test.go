package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	svc "github.com/handover/handover/internal/app"
)

// TestAuthenticatedSignOffCLI: prod requires the customer's sign-off
// authenticated. approve on the command line records HANDOVER_USER,
// unauthenticated, and says it does not count; the promotion is refused
// naming the web server; a sign-off by an account (the server's
// Countersign) lets it through.
func TestAuthenticatedSignOffCLI(t *testing.T) {
	w := newStory(t, "")
	path := filepath.Join(w.dir, "handover.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	conf := strings.Replace(string(data), "approvals: [customer]", "approvals: [{role: customer, authenticated: true}]", 1)
	if conf == string(data) {
		t.Fatal("no approvals: [customer] to replace")
	}
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	w.receive()
	w.must("import", "--env", "dev")                           // run 1
	w.must("approve", "1", "--as", "reviewer", "--by", "Rita") // preprod's reviewer: any sign-off counts
	w.must("import", "--env", "preprod")                       // run 2

	w.env["HANDOVER_USER"] = "carla"
	out := w.must("approve", "2", "--as", "customer", "--json") // no --by: HANDOVER_USER
	var ap struct {
		By            string `json:"by"`
		Authenticated bool   `json:"authenticated"`
	}
	if err := json.Unmarshal([]byte(out), &ap); err != nil || ap.By != "carla" || ap.Authenticated {
		t.Fatalf("approve --json: %+v %v\n%s", ap, err, out)
	}
	out = w.must("approve", "2", "--as", "customer", "--note", "again")
	mustContain(t, "approve", out, "run 2 (import into preprod): approved by carla (customer)",
		"note: prod requires the customer sign-off authenticated: this one, given on the command line, does not count for it; the customer signs run 2 in the web server (handover serve)")

	errOut := w.fails(2, "import", "--env", "prod")
	mustContain(t, "refusal", errOut,
		"preprod: run 2 needs a sign-off by customer from an account of the web server (approved by carla (customer)",
		"on the command line is unauthenticated and does not count)",
		"prod requires it authenticated: the customer signs run 2 in the web server (handover serve), logged in with their account")
	mustContain(t, "audit", w.must("audit"), "approved by carla (customer) 2026-11-20: \"again\" (unauthenticated)")

	ctx := context.Background()
	sv, err := svc.New(svc.Config{Now: func() time.Time { return w.now }, Getenv: func(k string) string { return w.env[k] }}).Serve(ctx, w.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	if _, err := sv.Countersign(ctx, svc.CountersignRequest{Actor: svc.Actor{Name: "anna@example.com", Authenticated: true},
		Run: 2, Role: "customer"}); err != nil {
		t.Fatalf("countersign: %v", err)
	}
	out = w.must("import", "--env", "prod")
	mustContain(t, "import prod", out, "approved by anna@example.com (customer)")
}
