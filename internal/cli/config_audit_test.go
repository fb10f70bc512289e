package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Editing the gate, an environment or the plan leaves a config_changed
// entry in the audit log saying what changed, with credentials masked
// (issue 16 item 14).
func TestConfigChangesAreAudited(t *testing.T) {
	w := newStory(t, "")
	w.receive()
	w.must("check")
	edits := []struct {
		name      string
		from, to  string
		want      string
		forbidden string
	}{
		{"gate", "max_reject_rate: 0.35", "max_reject_rate: 0.5", `gate {"MaxRejectRate":0.35`, ""},
		{"environment", "database: sqlite://.handover/prod.db", "database: postgres://mig:s3cr3t-pw@db.example/prod", `environments.prod {"database":"sqlite://.handover/prod.db"`, "s3cr3t-pw"},
		{"plan", "", "plan:\n  - {id: kickoff, owner: lead}\n", `plan [] → [{"ID":"kickoff"`, ""},
	}
	before := len(w.audit())
	for _, e := range edits {
		path := filepath.Join(w.dir, "handover.yaml")
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b) + e.to // from "": append
		if e.from != "" {
			text = strings.Replace(string(b), e.from, e.to, 1)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		w.must("check")
		log := w.audit()
		var changed []string
		for _, x := range log[before:] {
			if x.Action == "config_changed" {
				changed = append(changed, x.Detail)
			}
		}
		before = len(log)
		if len(changed) != 1 || !strings.Contains(changed[0], e.want) {
			t.Errorf("%s edit: config_changed entries %q, want one containing %q", e.name, changed, e.want)
			continue
		}
		if e.forbidden != "" && strings.Contains(changed[0], e.forbidden) {
			t.Errorf("%s edit: the audit log shows a secret: %q", e.name, changed[0])
		}
	}
	// Nothing changed: no entry.
	w.must("check")
	for _, x := range w.audit()[before:] {
		if x.Action == "config_changed" {
			t.Errorf("a check without a change wrote %q", x.Detail)
		}
	}
}
