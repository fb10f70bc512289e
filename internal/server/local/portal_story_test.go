package local

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/server"
)

// testClock is the clock of a story's application, service and server:
// the real time moved by an offset, so that a test sets the day (J-3,
// J-2) while leases and timeouts still see time pass.
type testClock struct{ offset atomic.Int64 }

func (c *testClock) now() time.Time { return time.Now().UTC().Add(time.Duration(c.offset.Load())) }

// at moves the clock to noon of day J+days of the cutover (days < 0:
// before J).
func (c *testClock) at(cutover string, days int) {
	j, err := time.Parse(time.DateOnly, cutover)
	if err != nil {
		panic(err)
	}
	target := j.AddDate(0, 0, days).Add(12 * time.Hour)
	c.offset.Store(int64(time.Until(target)))
}

// acmeCutover is examples/acme's day J.
const acmeCutover = "2026-12-15"

// Secrets of the portal story's project: no customer page may show them.
const (
	portalDBPassword   = "PortalDbS3cret"
	portalDSN          = "postgres://migrator:" + portalDBPassword + "@db.internal.example:5432/acme"
	portalHookSecret   = "PortalHookSecret-7f3a"
	portalHookToken    = "PortalHookToken-91c2"
	portalInternalNote = "INTERNAL: customer data quality is poor, bill extra"
)

// portalEnvs is storyEnvs with a prod database behind a password (never
// opened by the portal story) and a webhook with a secret.
const portalEnvs = `environments:
  dev:
    database: sqlite://.handover/dev.db
  preprod:
    database: sqlite://.handover/preprod.db
    requires: [dev]
    approvals: [reviewer]
  prod:
    database: ` + portalDSN + `
    requires: [preprod]
    approvals: [customer]

notify:
  webhooks:
    - name: tickets
      url: http://127.0.0.1:9/hooks?token=` + portalHookToken + `
      secret: ` + portalHookSecret + `
      events: [step_overdue]

gate:`

// hyperlinkRow is a contact whose e-mail is wrong and whose note is a
// spreadsheet formula: it comes back in the rejects as plain text.
const hyperlinkRow = "199999;Frau;Hanna;Link;;Hauptstrasse 1;8001;Zurich;Schweiz;+41 44 123 45 67;;not-an-email;01.01.1980;Kunde;aktiv;10.00;\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\";01.01.2020 10:00;Deutsch;ja\r\n"

// portalProject writes the portal story's project into dir: examples/acme
// with portalEnvs, migration name m and the hyperlink row in its delivery.
func portalProject(t *testing.T, dir, m string) {
	t.Helper()
	if err := os.CopyFS(dir, os.DirFS("../../../examples/acme")); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(filepath.Join(dir, ".handover"))
	cfgPath := filepath.Join(dir, "handover.yaml")
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(cfg), "migration: acme-onboarding", "migration: "+m, 1)
	a, b := strings.Index(text, "environments:"), strings.Index(text, "gate:")
	if a < 0 || b < a {
		t.Fatal("examples/acme/handover.yaml: environments: and gate: not found")
	}
	if err := os.WriteFile(cfgPath, []byte(text[:a]+portalEnvs+text[b+len("gate:"):]), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "delivery", "kontakte.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(hyperlinkRow); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// newPortalStory serves two migrations under one root — acme-onboarding
// (ann is its customer) and beta-rollout (bob's) — on the clock; with
// receive, the delivery of acme is received as extraction 1.
func newPortalStory(t *testing.T, clock *testClock, receive bool) *story {
	t.Helper()
	ctx := context.Background()
	root := t.TempDir()
	dir := filepath.Join(root, "acme")
	portalProject(t, dir, "acme-onboarding")
	portalProject(t, filepath.Join(root, "beta"), "beta-rollout")
	s := &story{t: t, dir: dir, tokens: map[string]string{}}
	getenv := func(k string) string {
		if k == "HANDOVER_STATE" || strings.HasPrefix(k, "HANDOVER_AUDIT_KEY") {
			return ""
		}
		return os.Getenv(k)
	}
	s.app = app.New(app.Config{Version: "test", Getenv: getenv, Now: clock.now})
	if receive {
		if _, err := s.app.Receive(ctx, app.ReceiveRequest{Actor: app.Actor{Name: "setup"}, Project: dir, Paths: []string{filepath.Join(dir, "delivery")}}); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	s.accounts, err = accountdb.OpenDSN(ctx, "sqlite://"+filepath.Join(root, "accounts.db"),
		account.WithArgon2(account.Argon2{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.accounts.Close() })
	for _, acc := range []account.Account{
		{Email: "eva@vendor.example", Name: "Eva Engineer", Role: account.RoleEngineer},
		{Email: "rita@vendor.example", Name: "Rita Reviewer", Role: account.RoleReviewer},
		{Email: "ann@acme.example", Name: "Ann Customer", Role: account.RoleCustomer, Migrations: []string{"acme-onboarding"}},
		{Email: "bob@beta.example", Name: "Bob Beta", Role: account.RoleCustomer, Migrations: []string{"beta-rollout"}},
		{Email: "leo@vendor.example", Name: "Leo Lead", Role: account.RoleLead},
	} {
		if _, err := s.accounts.Add(ctx, acc, storyPassword); err != nil {
			t.Fatal(err)
		}
		if s.tokens[acc.Email], err = s.accounts.NewToken(ctx, acc.Email); err != nil {
			t.Fatal(err)
		}
	}
	s.svc, err = New(ctx, Config{Root: root, App: s.app, ServerAudit: s.accounts.Audit, Workers: 2, Now: clock.now})
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

// cliCheck runs the command line's receive, check and rejects on a fresh
// copy of the portal story's project: the counts per entity and, per
// entity, the rejected rows (line, errors, values) as the CLI writes them.
func cliCheck(t *testing.T) (map[string][4]int64, map[string][]report.RejectRow) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme")
	portalProject(t, dir, "acme-onboarding")
	// The command line imports this package: it is built and run as
	// the handover binary.
	bin := filepath.Join(t.TempDir(), "handover")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/handover/handover/cmd/handover").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) []byte {
		var out, errb bytes.Buffer
		cmd := exec.Command(bin, append([]string{"-C", dir}, args...)...)
		cmd.Stdout, cmd.Stderr = &out, &errb
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "HANDOVER_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		if err := cmd.Run(); err != nil {
			t.Fatalf("handover %s: %v: %s", strings.Join(args, " "), err, errb.String())
		}
		return out.Bytes()
	}
	run("receive", filepath.Join(dir, "delivery"))
	var proto struct {
		Run      int
		Entities []struct {
			Name                            string
			Read, Filtered, Rejected, Valid int64
		}
	}
	if err := json.Unmarshal(run("--json", "check"), &proto); err != nil {
		t.Fatal(err)
	}
	counts := map[string][4]int64{}
	rejects := map[string][]report.RejectRow{}
	for _, e := range proto.Entities {
		counts[e.Name] = [4]int64{e.Read, e.Filtered, e.Rejected, e.Valid}
		if e.Rejected == 0 {
			continue
		}
		_, rows, err := report.ReadRejects(bytes.NewReader(run("rejects", itoa(proto.Run), "--entity", e.Name)))
		if err != nil {
			t.Fatal(err)
		}
		rejects[e.Name] = rows
	}
	return counts, rejects
}
