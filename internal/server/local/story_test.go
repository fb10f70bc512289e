package local

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/server"
)

const storyPassword = "a long password"

// story is the example project served with three environments and an
// account per party.
type story struct {
	t        *testing.T
	dir      string
	app      *app.Service
	svc      *Service
	accounts *account.Store
	handler  http.Handler
	tokens   map[string]string // by e-mail
}

// storyEnvs turns the example's dev-only configuration into dev → preprod
// (a reviewer signs dev) → prod (the customer signs preprod), all SQLite.
const storyEnvs = `environments:
  dev:
    database: sqlite://.handover/dev.db
    files: dir://.handover/dev-files
  preprod:
    database: sqlite://.handover/preprod.db
    requires: [dev]
    approvals: [reviewer]
  prod:
    database: sqlite://.handover/prod.db
    requires: [preprod]
    approvals: [customer]

gate:`

func newStory(t *testing.T) *story {
	t.Helper()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "acme")
	if err := os.CopyFS(dir, os.DirFS("../../../examples/acme")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".handover"))
	cfgPath := filepath.Join(dir, "handover.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	text := string(cfg)
	a, b := strings.Index(text, "environments:"), strings.Index(text, "gate:")
	if a < 0 || b < a {
		t.Fatal("examples/acme/handover.yaml: environments: and gate: not found")
	}
	if err := os.WriteFile(cfgPath, []byte(text[:a]+storyEnvs+text[b+len("gate:"):]), 0o644); err != nil {
		t.Fatal(err)
	}
	s := &story{t: t, dir: dir, tokens: map[string]string{}}
	clock := new(testClock) // day J-2: the customer's validation is open
	clock.at(acmeCutover, -2)
	getenv := func(k string) string {
		if k == "HANDOVER_STATE" || strings.HasPrefix(k, "HANDOVER_AUDIT_KEY") {
			return ""
		}
		return os.Getenv(k)
	}
	s.app = app.New(app.Config{Version: "test", Getenv: getenv, Now: clock.now})
	if _, err := s.app.Receive(ctx, app.ReceiveRequest{Actor: app.Actor{Name: "setup"}, Project: dir, Paths: []string{filepath.Join(dir, "delivery")}}); err != nil {
		t.Fatal(err)
	}
	s.accounts, err = accountdb.OpenDSN(ctx, "sqlite://"+filepath.Join(dir, ".handover", "state.db"),
		account.WithArgon2(account.Argon2{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.accounts.Close() })
	for _, acc := range []account.Account{
		{Email: "eva@vendor.example", Name: "Eva Engineer", Role: account.RoleEngineer},
		{Email: "rita@vendor.example", Name: "Rita Reviewer", Role: account.RoleReviewer},
		{Email: "ann@acme.example", Name: "Ann Customer", Role: account.RoleCustomer, Migrations: []string{"acme-onboarding"}},
		{Email: "leo@vendor.example", Name: "Leo Lead", Role: account.RoleLead},
	} {
		if _, err := s.accounts.Add(ctx, acc, storyPassword); err != nil {
			t.Fatal(err)
		}
		if s.tokens[acc.Email], err = s.accounts.NewToken(ctx, acc.Email); err != nil {
			t.Fatal(err)
		}
	}
	s.svc, err = New(ctx, Config{Project: dir, App: s.app, ServerAudit: s.accounts.Audit, Workers: 2, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.svc.Close(time.Minute) })
	srv, err := server.New(server.Config{Service: s.svc, Accounts: s.accounts, QueueDepth: s.svc.QueueDepth, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	s.handler = srv.Handler()
	return s
}

// call sends a request as email (bearer token) and returns status and body.
func (s *story) call(email, method, path, body string) (int, []byte) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Header.Set("Authorization", "Bearer "+s.tokens[email])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

const api = "/api/v1/migrations/acme-onboarding"

// start starts a run as eva and waits until it finished; it returns the
// run number and its final status.
func (s *story) start(body string) (int, string) {
	s.t.Helper()
	code, out := s.call("eva@vendor.example", "POST", api+"/runs", body)
	if code != http.StatusAccepted {
		s.t.Fatalf("start %s: %d %s", body, code, out)
	}
	var res struct{ Run int }
	json.Unmarshal(out, &res)
	return res.Run, s.wait(res.Run)
}

func (s *story) wait(n int) string {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		_, out := s.call("eva@vendor.example", "GET", api+"/runs/"+itoa(n), "")
		var r struct{ Status string }
		json.Unmarshal(out, &r)
		if r.Status != "running" && r.Status != "queued" && r.Status != "" {
			return r.Status
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("run %d did not finish", n)
	return ""
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *story) expect(email, method, path, body string, want int, contains string) []byte {
	s.t.Helper()
	code, out := s.call(email, method, path, body)
	if code != want || !strings.Contains(string(out), contains) {
		s.t.Fatalf("%s %s %s as %s: %d %s, want %d with %q", method, path, body, email, code, out, want, contains)
	}
	return out
}

// TestStoryAPI walks the example project's story through the JSON API:
// check → dev import → gate → reviewer sign-off → preprod → customer
// sign-off → prod, with the four-eyes rules and the promotion refusals.
func TestStoryAPI(t *testing.T) {
	s := newStory(t)
	eva, rita, ann, leo := "eva@vendor.example", "rita@vendor.example", "ann@acme.example", "leo@vendor.example"
	if n, st := s.start(`{"kind":"check"}`); n != 1 || st != "succeeded" {
		t.Fatalf("check: run %d %s", n, st)
	}
	dev, st := s.start(`{"kind":"import","env":"dev"}`)
	if st != "succeeded" {
		t.Fatalf("dev import: %s", st)
	}
	s.expect(eva, "POST", api+"/runs", `{"kind":"import","env":"preprod"}`, 409, "needs a sign-off by reviewer")
	s.expect(ann, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer"}`, 403, "may not sign as reviewer")
	s.expect(rita, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer","note":"gate ok","protocol_hash":"sha256:00"}`, 409, "hash differs")
	s.expect(rita, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer","note":"gate ok"}`, 201, `"rita@vendor.example"`)
	s.expect(rita, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer"}`, 409, "already did this")
	pre, st := s.start(`{"kind":"import","env":"preprod"}`)
	if st != "succeeded" {
		t.Fatalf("preprod import: %s", st)
	}
	s.expect(eva, "POST", api+"/runs", `{"kind":"import","env":"prod"}`, 409, "needs a sign-off by customer")
	s.expect(leo, "POST", api+"/runs/"+itoa(pre)+"/signoffs", `{"role":"customer"}`, 403, "may not sign as customer")
	s.expect(ann, "POST", api+"/runs/"+itoa(pre)+"/signoffs", `{"role":"customer","note":"validated"}`, 201, "ann@acme.example")
	prod, st := s.start(`{"kind":"import","env":"prod"}`)
	if st != "succeeded" {
		t.Fatalf("prod import: %s", st)
	}
	out := s.expect(eva, "GET", api, "", 200, `"lanes"`)
	var ov server.Overview
	if err := json.Unmarshal(out, &ov); err != nil {
		t.Fatal(err)
	}
	for _, l := range ov.Lanes {
		if l.Last == nil || l.Last.Status != "succeeded" || len(l.Missing) != 0 || l.Last.StartedBy != eva {
			t.Errorf("lane %s: %+v", l.Env, l)
		}
		for _, so := range l.Signed {
			if !so.Authenticated {
				t.Errorf("lane %s: sign-off %+v not authenticated", l.Env, so)
			}
		}
	}
	if prod != pre+1 {
		t.Errorf("prod run %d", prod)
	}
	// Steps done outside handover: confirmed by an engineer, not a customer.
	s.expect(eva, "POST", api+"/confirmations", `{"step":"preprod_refreshed","note":"refreshed Tuesday"}`, 201, `"preprod_refreshed"`)
	s.expect(ann, "POST", api+"/confirmations", `{"step":"freeze"}`, 403, "may not confirm")
	s.expect(eva, "POST", api+"/confirmations", `{"step":"no_such_step"}`, 400, "no_such_step")
	s.expect(eva, "POST", api+"/confirmations", `{"step":"freeze","note":"source read-only"}`, 201, `"freeze"`)
	s.expect(eva, "POST", api+"/runs", `{"kind":"fixup","env":"prod"}`, 400, "no fix-up rules") // the example has none
	var plan struct{ Steps []server.Step }
	json.Unmarshal(s.expect(eva, "GET", api+"/plan", "", 200, `"steps"`), &plan)
	for _, st := range plan.Steps {
		if (st.ID == "preprod_refreshed" || st.ID == "freeze") && (st.Status != "done" || !strings.Contains(strings.Join(st.Evidence, " "), eva)) {
			t.Errorf("step %s after its confirmation: %+v", st.ID, st)
		}
	}
	// The starter of a run cannot sign it as reviewer (a reviewer who ran
	// an import on the command line with HANDOVER_USER set to the account).
	res, err := s.app.Import(context.Background(), app.ImportRequest{Actor: app.Actor{Name: rita}, Project: s.dir, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	s.expect(rita, "POST", api+"/runs/"+itoa(res.Protocol.Run)+"/signoffs", `{"role":"reviewer"}`, 409, "you started run")
	// That later import into dev voids the earlier dev run's sign-offs.
	detail, err := s.svc.Run(context.Background(), "acme-onboarding", dev)
	if err != nil || len(detail.SignOffs) != 1 || !detail.SignOffs[0].Void {
		t.Errorf("dev run %d sign-offs after a later import: %v %+v", dev, err, detail)
	}
	s.expect(leo, "POST", api+"/runs/"+itoa(dev)+"/signoffs", `{"role":"lead"}`, 409, "voids its sign-offs")

	// The customer downloads the rejects as a workbook.
	code, xlsx := s.call(ann, "GET", api+"/runs/"+itoa(dev)+"/rejects/contacts.xlsx", "")
	if code != 200 {
		t.Fatalf("xlsx: %d %s", code, xlsx)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := f.GetRows(f.GetSheetName(0))
	if err != nil || len(rows) < 2 || rows[0][0] != "line" {
		t.Errorf("workbook rows: %v %v", err, rows[:min(2, len(rows))])
	}
	// The audit chain names the accounts; nothing shows a DSN.
	audit := string(s.expect(eva, "GET", api+"/audit", "", 200, `"intact": true`))
	for _, want := range []string{`"actor": "eva@vendor.example",
      "action": "run start"`, `"actor": "ann@acme.example",
      "action": "download"`, `"actor": "rita@vendor.example"`} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit lacks %s", want)
		}
	}
	for _, path := range []string{api, api + "/runs", api + "/runs/" + itoa(prod), api + "/plan", "/api/v1/migrations"} {
		if _, body := s.call(ann, "GET", path, ""); bytes.Contains(body, []byte("sqlite://")) || bytes.Contains(body, []byte(s.dir)) {
			t.Errorf("%s shows a DSN or a server path", path)
		}
	}
}
