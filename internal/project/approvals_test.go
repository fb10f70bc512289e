package project

import (
	"slices"
	"strings"
	"testing"
)

// TestLoadAuthenticatedApprovals: approvals: mixes plain roles with
// {role, authenticated: true}; the audited configuration keeps a plain
// list as it was.
func TestLoadAuthenticatedApprovals(t *testing.T) {
	dir := writeProject(t, map[string]string{"handover.yaml": `migration: test
environments:
  dev:
    database: sqlite://dev.db
  preprod:
    database: sqlite://preprod.db
    requires: [dev]
    approvals: [reviewer]
  prod:
    database: sqlite://prod.db
    requires: [preprod]
    approvals: [reviewer, {role: customer, authenticated: true}, {role: lead, authenticated: false}]
`})
	p, err := Load(dir, env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	prod := p.Environments["prod"]
	if !slices.Equal(prod.Approvals, []string{"reviewer", "customer", "lead"}) || !slices.Equal(prod.Authenticated, []string{"customer"}) {
		t.Errorf("prod approvals %v, authenticated %v", prod.Approvals, prod.Authenticated)
	}
	if !prod.NeedsAuthenticated("customer") || prod.NeedsAuthenticated("reviewer") || prod.NeedsAuthenticated("lead") {
		t.Errorf("NeedsAuthenticated wrong for %v", prod.Authenticated)
	}
	audited := p.AuditedConfig()
	if got := audited["environments.preprod"]; !strings.Contains(got, `"approvals":["reviewer"]`) {
		t.Errorf("audited preprod %s: want the plain list unchanged", got)
	}
	if got := audited["environments.prod"]; !strings.Contains(got, `"approvals":["reviewer",{"authenticated":true,"role":"customer"},"lead"]`) {
		t.Errorf("audited prod %s", got)
	}
}

func TestLoadApprovalsProblems(t *testing.T) {
	dir := writeProject(t, map[string]string{"handover.yaml": `migration: test
environments:
  dev:
    database: sqlite://dev.db
  prod:
    database: sqlite://prod.db
    requires: [dev]
    approvals:
      - {role: boss, authenticated: true}
      - {authenticated: true}
      - {role: customer, authenticated: yes please}
      - {role: lead, signed: true}
      - customer
`})
	_, err := Load(dir, env(nil))
	if err == nil {
		t.Fatal("Load accepted bad approvals")
	}
	for _, want := range []string{
		`handover.yaml:9: environments.prod.approvals: unknown role "boss" (roles: reviewer, customer, lead)`,
		`handover.yaml:10: environments.prod.approvals: an entry needs role: (e.g. {role: customer, authenticated: true})`,
		`handover.yaml:11: environments.prod.approvals.authenticated: expected true or false, got "yes please"`,
		`handover.yaml:12: unknown key "signed" in environments.prod.approvals`,
		`handover.yaml:13: environments.prod.approvals: role customer is listed twice`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing problem %q in:\n%v", want, err)
		}
	}
}
