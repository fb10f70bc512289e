package app

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/usecase"
)

// Audit actions.
const (
	ActionRun           = "run"
	ActionReceive       = "receive"
	ActionConfigChanged = "config_changed"
	ActionRefused       = "promotion_refused"
	ActionForce         = "force"
	ActionApprove       = "approve"
	ActionReject        = "reject"
	ActionFreeze        = "freeze"
	ActionConfirm       = "confirm"
)

// configFact holds the project hashes last written to the audit log.
const configFact = "audit:config_hashes"

// auditConfig records a config_changed entry when the project's hashes
// differ from the ones last recorded.
func (s *Service) auditConfig(ctx context.Context, st Store, p *project.Project, actor Actor) error {
	now := configText(p)
	old, _, ok, err := st.Fact(ctx, configFact)
	if err != nil || old == now {
		return err
	}
	before := map[string]string{}
	if ok {
		for _, line := range strings.Split(old, "\n") {
			if k, v, found := strings.Cut(line, "="); found {
				before[k] = v
			}
		}
	}
	var changes []string
	for _, kv := range strings.Split(now, "\n") {
		k, v, _ := strings.Cut(kv, "=")
		if prev := before[k]; prev != v {
			if prev == "" {
				prev = "(none)"
			}
			changes = append(changes, fmt.Sprintf("%s %s → %s", k, prev, v))
		}
	}
	at := s.now()
	if err := st.Audit(ctx, actor.String(), ActionConfigChanged, strings.Join(changes, "; "), at); err != nil {
		return err
	}
	return st.SetFact(ctx, configFact, now, at)
}

// configText is the configuration the audit log follows, one key=value a
// line: the hashes of recipes, format, lookups and fix-ups, then the gate,
// the environments (credentials masked) and the runbook settings of
// handover.yaml.
func configText(p *project.Project) string {
	h := p.Hashes
	s := "recipes=" + h.Recipes + "\nformat=" + h.Format + "\nlookups=" + h.Lookups
	if h.Fixups != "" {
		s += "\nfixups=" + h.Fixups
	}
	cfg := p.AuditedConfig()
	for _, k := range project.AuditedKeys(cfg) {
		s += "\n" + k + "=" + cfg[k]
	}
	return s
}

// runDetail describes a finished run for the audit log: what, status, hashes.
func runDetail(p *protocol.Protocol) string {
	var b strings.Builder
	fmt.Fprintf(&b, "run %d %s", p.Run, Where(p.Kind, p.Env))
	fmt.Fprintf(&b, ", extraction %d: %s", p.Extraction, p.Status)
	if p.DryRun {
		b.WriteString(" (dry run)")
	}
	if p.Transaction == protocol.TransactionCommitted && p.Status == protocol.StatusGateFailed {
		b.WriteString(" (committed: on_gate_failure: commit)")
	}
	if p.Forced != "" {
		fmt.Fprintf(&b, " (forced: %s)", p.Forced)
	}
	fmt.Fprintf(&b, "; recipes %s, format %s", p.Hashes.Recipes, p.Hashes.Format)
	if p.Hashes.Lookups != "" {
		fmt.Fprintf(&b, ", lookups %s", p.Hashes.Lookups)
	}
	if p.Hashes.Fixups != "" {
		fmt.Fprintf(&b, ", fixups %s", p.Hashes.Fixups)
	}
	names := make([]string, 0, len(p.Hashes.Inputs))
	for n := range p.Hashes.Inputs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(&b, ", %s %s", n, p.Hashes.Inputs[n])
	}
	return b.String()
}

// Where is "import into dev" or "check".
func Where(kind, env string) string { return usecase.Where(kind, env) }
