package local

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/handover/handover/internal/app"
)

// TestLaneNeedsAuthenticatedSignOff: prod requires the customer's sign-off
// authenticated; the preprod lane counts it missing while only a
// command-line sign-off is there, and the promotion is refused naming the
// web server, until the customer's account signs.
func TestLaneNeedsAuthenticatedSignOff(t *testing.T) {
	s := newStory(t)
	path := filepath.Join(s.dir, "handover.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), "    approvals: [customer]\n", "    approvals: [{role: customer, authenticated: true}]\n", 1)
	if cfg == string(data) {
		t.Fatal("no approvals: [customer] to replace")
	}
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	eva, rita, ann := "eva@vendor.example", "rita@vendor.example", "ann@acme.example"
	dev, st := s.start(`{"kind":"import","env":"dev"}`)
	if st != "succeeded" {
		t.Fatalf("dev: %s", st)
	}
	s.expect(rita, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer"}`, 201, "rita")
	pre, st := s.start(`{"kind":"import","env":"preprod"}`)
	if st != "succeeded" {
		t.Fatalf("preprod: %s", st)
	}
	missing := func() []string {
		t.Helper()
		_, body := s.call(eva, "GET", api, "")
		var ov struct {
			Lanes []struct {
				Env     string   `json:"env"`
				Missing []string `json:"signoffs_missing"`
			} `json:"lanes"`
		}
		if err := json.Unmarshal(body, &ov); err != nil {
			t.Fatal(err)
		}
		for _, l := range ov.Lanes {
			if l.Env == "preprod" {
				return l.Missing
			}
		}
		return nil
	}
	// The customer signs on the command line: recorded, unauthenticated.
	if _, err := s.app.SignOff(context.Background(), app.SignOffRequest{Actor: app.Actor{Name: "ann"}, Project: s.dir, Run: pre, Role: "customer"}); err != nil {
		t.Fatal(err)
	}
	if m := missing(); !slices.Equal(m, []string{"customer"}) {
		t.Errorf("preprod lane missing %v after an unauthenticated sign-off", m)
	}
	s.expect(eva, "POST", api+"/runs", `{"kind":"import","env":"prod"}`, 409, "needs a sign-off by customer from an account of the web server")
	s.expect(ann, "POST", api+"/runs/"+itoa(pre)+"/signoffs", `{"role":"customer"}`, 201, "ann")
	if m := missing(); len(m) != 0 {
		t.Errorf("preprod lane missing %v after the account signed", m)
	}
	if _, st := s.start(`{"kind":"import","env":"prod"}`); st != "succeeded" {
		t.Errorf("prod: %s", st)
	}
}
