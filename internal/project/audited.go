package project

import (
	"encoding/json"
	"sort"

	"github.com/handover/handover/internal/redact"
)

// AuditedConfig is the part of handover.yaml whose every change the audit
// log records (a config_changed entry): the gate, each environment and the
// runbook's plan: and freeze: settings, as canonical one-line JSON by key
// ("gate", "environments.dev", "plan", "freeze"). Environment values are as
// declared (${VAR} unexpanded, so a variable that differs between machines
// is no change) with credentials masked; line numbers are left out.
func (p *Project) AuditedConfig() map[string]string {
	out := map[string]string{"gate": canonical(p.Gate), "freeze": canonical(p.Freeze)}
	for name, env := range p.Environments {
		out["environments."+name] = canonical(struct {
			Database      string   `json:"database"`
			Files         string   `json:"files,omitempty"`
			Requires      []string `json:"requires,omitempty"`
			Approvals     any      `json:"approvals,omitempty"`
			OnGateFailure string   `json:"on_gate_failure,omitempty"`
		}{redact.DSN(env.Declared.Database), redact.StoreURL(env.Declared.Files), env.Requires, auditedApprovals(env), env.OnGateFailure})
	}
	steps := make([]PlanStep, len(p.Plan))
	for i, s := range p.Plan {
		s.Line = 0
		steps[i] = s
	}
	out["plan"] = canonical(steps)
	return out
}

// auditedApprovals is approvals: as written: a plain role stays a string
// (so a configuration from before authenticated sign-offs reads the same),
// an authenticated one is {"role", "authenticated": true}.
func auditedApprovals(env *Environment) any {
	if len(env.Approvals) == 0 {
		return nil
	}
	out := make([]any, len(env.Approvals))
	for i, role := range env.Approvals {
		out[i] = role
		if env.NeedsAuthenticated(role) {
			out[i] = map[string]any{"role": role, "authenticated": true}
		}
	}
	return out
}

// AuditedKeys returns the keys of m in a stable order.
func AuditedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// canonical is v as compact JSON; encoding/json sorts map keys and keeps
// struct field order, so equal settings give equal text.
func canonical(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return "unencodable: " + err.Error()
	}
	return string(b)
}
