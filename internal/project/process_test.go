package project

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

const threeEnvs = `migration: test
cutover: 2026-12-15
environments:
  dev:
    database: sqlite://dev.db
  preprod:
    database: sqlite://preprod.db
    requires: [dev]
  prod:
    database: sqlite://prod.db
    requires: [preprod]
    approvals: [customer]
`

func TestLoadProcessKeys(t *testing.T) {
	dir := writeProject(t, map[string]string{"handover.yaml": threeEnvs + `gate:
  max_unresolved_refs: 0
freeze:
  required: true
  environments: [preprod, prod]
plan:
  - {id: customer_validation, due: J-3, owner: lead}
  - {id: fixup, remove: true}
  - id: backup
    title: Back up the old system
    due: J-1
    after: freeze
notify:
  webhooks:
    - name: tickets
      url: https://tickets.example.com/hook?token=${HOOK_TOKEN}
      secret: ${HOOK_SECRET}
      events: [run_finished, gate_failed]
    - url: http://127.0.0.1:9/x
`})
	p, err := Load(dir, env(map[string]string{"HOOK_TOKEN": "t0k", "HOOK_SECRET": "s3cret"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if p.Gate.MaxUnresolvedRefs == nil || *p.Gate.MaxUnresolvedRefs != 0 {
		t.Errorf("max_unresolved_refs %v", p.Gate.MaxUnresolvedRefs)
	}
	if p.Freeze.Off || !slices.Equal(p.Freeze.Environments, []string{"preprod", "prod"}) {
		t.Errorf("freeze %+v", p.Freeze)
	}
	want := []PlanStep{
		{ID: "customer_validation", Due: "J-3", Owner: "lead", Line: 19},
		{ID: "fixup", Remove: true, Line: 20},
		{ID: "backup", Title: "Back up the old system", Due: "J-1", After: "freeze", Line: 21},
	}
	if !slices.Equal(p.Plan, want) {
		t.Errorf("plan\n got %+v\nwant %+v", p.Plan, want)
	}
	if len(p.Webhooks) != 2 {
		t.Fatalf("webhooks %+v", p.Webhooks)
	}
	w := p.Webhooks[0]
	if w.Name != "tickets" || w.URL != "https://tickets.example.com/hook?token=t0k" || w.Secret != "s3cret" ||
		!slices.Equal(w.Events, []string{"run_finished", "gate_failed"}) {
		t.Errorf("webhook %+v", w)
	}
	if p.Webhooks[1].URL != "http://127.0.0.1:9/x" || len(p.Webhooks[1].Events) != 0 {
		t.Errorf("second webhook %+v", p.Webhooks[1])
	}
}

func TestFreezeEnvs(t *testing.T) {
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"default: the end of the chain", threeEnvs, []string{"prod"}},
		{"named", threeEnvs + "freeze: {environments: [preprod]}\n", []string{"preprod"}},
		{"off", threeEnvs + "freeze: {required: false, environments: [prod]}\n", nil},
		{"a single environment needs none", base["handover.yaml"], nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Load(writeProject(t, map[string]string{"handover.yaml": tt.yaml}), env(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := p.FreezeEnvs(); !slices.Equal(got, tt.want) {
				t.Errorf("FreezeEnvs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadProcessProblems(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		vars map[string]string
		want []string
	}{
		{"freeze", `freeze:
  required: maybe
  environments: [prd]
  envs: [x]
`, nil, []string{
			`handover.yaml:14: freeze.required: expected true or false, got "maybe"`,
			`handover.yaml:15: freeze.environments: unknown environment "prd" (did you mean "prod"?)`,
			`handover.yaml:16: unknown key "envs" in freeze`,
		}},
		{"plan", `plan:
  - {title: no id}
  - {id: Bad Id}
  - {id: fixup, remove: true, due: J}
  - {id: kickoff, due: J-30, ownr: lead}
  - {id: kickoff, due: J-25}
  - {id: x, remove: yes}
  - just text
`, nil, []string{
			`handover.yaml:14: plan[0]: id missing (a default step such as customer_validation, or a new one)`,
			`handover.yaml:15: plan step "Bad Id": id may hold only lower-case letters, digits, - and _`,
			`handover.yaml:16: plan step "fixup": remove: true takes no due`,
			`handover.yaml:17: unknown key "ownr" in plan step "kickoff" (did you mean "owner"?)`,
			`handover.yaml:19: plan step "x".remove: expected true or false, got "yes"`,
			`handover.yaml:20: plan[6]: expected a mapping, got "just text"`,
		}},
		{"notify", `notify:
  webhooks:
    - {name: a, url: "ftp://user:hunter2@host/x"}
    - {name: b, url: "https://h/x", events: [run_done]}
    - {name: c, url: "https://h/${TOKEN}", secret: "${SECRET}"}
    - {name: d, url: "https://h/y", secret: hunter2, evnts: []}
    - {name: d, url: "https://h/z"}
  hooks: []
`, map[string]string{"TOKEN": "hunter2"}, []string{
			`handover.yaml:15: notify.webhooks[0]: webhook a: url must start with http:// or https://`,
			`handover.yaml:16: notify.webhooks[1]: webhook b: unknown event "run_done" (events: run_finished, gate_failed, signoff_recorded, step_overdue, promotion_refused, promotion_forced, source_frozen)`,
			`handover.yaml:17: notify.webhooks[2].secret: environment variable SECRET is not set`,
			`handover.yaml:18: unknown key "evnts" in notify.webhooks[3] (did you mean "events"?)`,
			`handover.yaml:19: notify.webhooks[4]: name "d" repeated (first at line 18)`,
			`handover.yaml:20: unknown key "hooks" in notify`,
		}},
		{"public_url", "notify: {public_url: \"ftp://h\"}\n", nil, []string{
			`handover.yaml:13: notify.public_url: "ftp://h" is not an http(s) address with a host (e.g. https://handover.example.com)`,
		}},
		{"public_url with credentials", "notify: {public_url: \"https://u:pw@h\"}\n", nil, []string{
			`handover.yaml:13: notify.public_url: give the server's address alone, without credentials, query or fragment`,
		}},
		{"gate", "gate: {max_unresolved_refs: -1}\n", nil, []string{
			`handover.yaml:13: gate.max_unresolved_refs: -1 must be 0 or more`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeProject(t, map[string]string{"handover.yaml": threeEnvs + tt.yaml})
			_, err := Load(dir, env(tt.vars))
			var list *Errors
			if !errors.As(err, &list) {
				t.Fatalf("Load = %v; want *Errors", err)
			}
			if got := list.Error(); got != strings.Join(tt.want, "\n") {
				t.Errorf("problems\ngot:\n%s\nwant:\n%s", got, strings.Join(tt.want, "\n"))
			}
			if strings.Contains(list.Error(), "hunter2") {
				t.Errorf("a secret leaked into the error:\n%s", list.Error())
			}
		})
	}
}
