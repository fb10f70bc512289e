package project

import (
	"strings"
	"testing"
)

// The audited configuration never holds a credential: neither a database
// password nor a file store's key id or secret.
func TestAuditedConfigHidesCredentials(t *testing.T) {
	p := &Project{Environments: map[string]*Environment{"prod": {Name: "prod"}}}
	p.Environments["prod"].Declared.Database = "postgres://mig:db-pass-1@db/prod?sslmode=disable"
	p.Environments["prod"].Declared.Files = "s3://AKIDEXAMPLE42:store-secret-2@bucket/acme?endpoint=127.0.0.1:9000"
	got := p.AuditedConfig()["environments.prod"]
	for _, secret := range []string{"db-pass-1", "AKIDEXAMPLE42", "store-secret-2"} {
		if strings.Contains(got, secret) {
			t.Errorf("audited config shows %q: %s", secret, got)
		}
	}
	if !strings.Contains(got, "db/prod") || !strings.Contains(got, "bucket/acme") {
		t.Errorf("audited config lost what it records: %s", got)
	}
}
