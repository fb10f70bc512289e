package local

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecurityNoSecretShown: a project whose handover.yaml holds a DSN
// password, S3 keys and a webhook's token and secret; no screen, API
// answer, download or metric shows any of them — the audit log's
// configuration entries show them masked.
func TestSecurityNoSecretShown(t *testing.T) {
	s := newStory(t)
	secrets := []string{"S3cretDbPw", "AKIAEXAMPLE4711", "S3cretS3Key", "S3cretHookToken", "S3cretHookSecret"}
	path := filepath.Join(s.dir, "handover.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(data), "    database: sqlite://.handover/preprod.db\n",
		"    database: postgres://mig:S3cretDbPw@127.0.0.1:1/acme\n    files: s3://AKIAEXAMPLE4711:S3cretS3Key@bucket/acme?endpoint=127.0.0.1:1&secure=false\n", 1)
	if !strings.Contains(cfg, "S3cretDbPw") {
		t.Fatal("no preprod database to replace")
	}
	cfg += "\nnotify:\n  webhooks:\n    - url: http://127.0.0.1:1/hook?token=S3cretHookToken\n      secret: S3cretHookSecret\n"
	if err := os.WriteFile(path, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	check, st := s.start(`{"kind":"check"}`)
	if st != "succeeded" {
		t.Fatalf("check: %s", st)
	}
	dev, st := s.start(`{"kind":"import","env":"dev"}`)
	if st != "succeeded" {
		t.Fatalf("dev import: %s", st)
	}
	eva, ann := "eva@vendor.example", "ann@acme.example"
	m := "/m/acme-onboarding"
	paths := []string{"/", m, m + "/audit", "/api/v1/migrations", "/api/v1/me", api, api + "/runs", api + "/plan", api + "/audit", "/metrics"}
	for _, n := range []string{itoa(check), itoa(dev)} {
		paths = append(paths, m+"/runs/"+n, m+"/runs/"+n+"/files/protocol.json", m+"/runs/"+n+"/files/report.html",
			api+"/runs/"+n, api+"/runs/"+n+"/events", api+"/runs/"+n+"/rejects/contacts.csv")
	}
	for _, who := range []string{eva, ann} {
		for _, p := range paths {
			code, body := s.call(who, "GET", p, "")
			for _, secret := range secrets {
				if strings.Contains(string(body), secret) {
					t.Errorf("GET %s as %s (%d) shows %s", p, who, code, secret)
				}
			}
		}
	}
	// The configuration is in the audit log, masked.
	_, audit := s.call(eva, "GET", api+"/audit", "")
	if !strings.Contains(string(audit), "postgres://mig:***@127.0.0.1:1/acme") || !strings.Contains(string(audit), "s3://***@bucket/acme") {
		t.Errorf("the audit log lacks the masked configuration:\n%.3000s", audit)
	}
}
