package promote

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// fake is an in-memory Evidence.
type fake struct {
	runs      []*state.Run
	approvals []state.Approval
	facts     map[string]fact
	err       error
}

type fact struct {
	value string
	at    time.Time
}

func (f *fake) Runs(_ context.Context, env string) ([]*state.Run, error) {
	var out []*state.Run
	for _, r := range f.runs {
		if env == "" || r.Env == env {
			out = append(out, r)
		}
	}
	return out, f.err
}

func (f *fake) Approvals(_ context.Context, run int) ([]state.Approval, error) {
	var out []state.Approval
	for _, a := range f.approvals {
		if a.Run == run {
			out = append(out, a)
		}
	}
	return out, nil
}

func (f *fake) Fact(_ context.Context, key string) (string, time.Time, bool, error) {
	v, ok := f.facts[key]
	return v.value, v.at, ok, nil
}

var (
	day0    = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	current = project.Hashes{Recipes: "sha256:r2", Format: "sha256:f1", Lookups: "sha256:l1"}
	oldRec  = protocol.Hashes{Recipes: "sha256:r1", Format: "sha256:f1", Lookups: "sha256:l1"}
	curRec  = protocol.Hashes{Recipes: "sha256:r2", Format: "sha256:f1", Lookups: "sha256:l1"}
)

func testProject() *project.Project {
	return &project.Project{Environments: map[string]*project.Environment{
		"dev":     {Name: "dev"},
		"preprod": {Name: "preprod", Requires: []string{"dev"}, Approvals: []string{"reviewer"}},
		"prod":    {Name: "prod", Requires: []string{"preprod"}, Approvals: []string{"customer"}},
	}, EnvOrder: []string{"dev", "preprod", "prod"}}
}

// run builds a finished run.
func run(n int, env, status string, h protocol.Hashes, dry bool) *state.Run {
	at := day0.Add(time.Duration(n) * time.Hour)
	return &state.Run{Number: n, Kind: protocol.KindImport, Env: env, Extraction: 1, Status: status,
		Started: at, Finished: at.Add(time.Minute),
		Protocol: &protocol.Protocol{Run: n, Kind: protocol.KindImport, Env: env, Status: status, DryRun: dry, Hashes: h}}
}

func started(r *state.Run, by string) *state.Run {
	r.StartedBy = by
	return r
}

func approve(run int, role, by string, refused bool, hour int) state.Approval {
	return state.Approval{Run: run, Role: role, By: by, At: day0.Add(time.Duration(hour) * time.Hour), Refused: refused}
}

func TestCheck(t *testing.T) {
	ok := protocol.StatusSucceeded
	tests := []struct {
		name      string
		env       string
		runs      []*state.Run
		approvals []state.Approval
		allowed   bool
		missing   []string // substrings, one per Missing entry in order
		evidence  []string
		runsUsed  map[string]int
		roles     []string // prod's approvals; default customer
	}{
		{name: "dev requires nothing", env: "dev", allowed: true},
		{name: "no dev run", env: "preprod", missing: []string{
			`dev: no import yet (run "handover import --env dev")`}},
		{name: "dev passed and reviewed", env: "preprod", allowed: true,
			runs:      []*state.Run{run(4, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			evidence:  []string{"dev: run 4, extraction 1, passed the gate 2026-12-01; approved by Bob (reviewer) 2026-12-01"},
			runsUsed:  map[string]int{"dev": 4}},
		{name: "recipes changed after the dev run", env: "preprod",
			runs:      []*state.Run{run(4, "dev", ok, oldRec, false)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			missing: []string{
				`dev: no successful import with the current recipes (recipes changed since run 4 — run "handover import --env dev" again)`}},
		{name: "format and recipes changed", env: "preprod",
			runs: []*state.Run{run(4, "dev", ok, protocol.Hashes{Recipes: "x", Format: "y"}, false)},
			missing: []string{
				"dev: no successful import with the current recipes and format (recipes and format changed since run 4"}},
		{name: "lookups changed", env: "preprod",
			runs:    []*state.Run{run(4, "dev", ok, protocol.Hashes{Recipes: "sha256:r2", Format: "sha256:f1", Lookups: "sha256:l0"}, false)},
			missing: []string{"current lookup tables (lookup tables changed since run 4"}},
		{name: "run without lookups hash counts", env: "preprod", allowed: true,
			runs:      []*state.Run{run(4, "dev", ok, protocol.Hashes{Recipes: "sha256:r2", Format: "sha256:f1"}, false)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)}},
		{name: "gate failed run does not count", env: "preprod",
			runs:      []*state.Run{run(5, "dev", protocol.StatusGateFailed, curRec, false)},
			approvals: []state.Approval{approve(5, "reviewer", "Bob", false, 10)},
			missing:   []string{`dev: no successful import (run 5 failed the gate — run "handover import --env dev" again)`}},
		{name: "dry run does not count", env: "preprod",
			runs:      []*state.Run{run(5, "dev", ok, curRec, true)},
			approvals: []state.Approval{approve(5, "reviewer", "Bob", false, 10)},
			missing:   []string{"dev: no successful import (run 5 was a dry run"}},
		{name: "failed and interrupted runs do not count", env: "preprod",
			runs:    []*state.Run{run(5, "dev", protocol.StatusFailed, curRec, false), run(6, "dev", protocol.StatusInterrupted, curRec, false)},
			missing: []string{"dev: no successful import (run 6 was interrupted"}},
		{name: "check run does not count", env: "preprod",
			runs:    []*state.Run{func() *state.Run { r := run(5, "dev", ok, curRec, false); r.Kind = protocol.KindCheck; return r }()},
			missing: []string{"dev: no import yet"}},
		{name: "old passed run, new run with current recipes failed the gate", env: "preprod",
			runs:    []*state.Run{run(4, "dev", ok, oldRec, false), run(6, "dev", protocol.StatusGateFailed, curRec, false)},
			missing: []string{"dev: no successful import with the current recipes (recipes changed since run 4; run 6 with them failed the gate"}},
		{name: "sign-off missing", env: "preprod",
			runs: []*state.Run{run(7, "dev", ok, curRec, false)},
			missing: []string{
				`dev: run 7 needs a sign-off by reviewer ("handover approve 7 --as reviewer --by NAME")`}},
		{name: "sign-off by another role does not count", env: "preprod",
			runs:      []*state.Run{run(7, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(7, "customer", "Anna", false, 10)},
			missing:   []string{"dev: run 7 needs a sign-off by reviewer"}},
		{name: "refused", env: "preprod",
			runs:      []*state.Run{run(7, "dev", ok, curRec, false)},
			approvals: []state.Approval{{Run: 7, Role: "reviewer", By: "Bob", Note: "too many rejects", At: day0, Refused: true}},
			missing: []string{
				`dev: run 7 was refused by reviewer (refused by Bob (reviewer) 2026-12-01: "too many rejects") — it needs a new sign-off by reviewer ("handover approve 7 --as reviewer --by NAME")`}},
		{name: "later refusal cancels sign-off", env: "preprod",
			runs:      []*state.Run{run(7, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(7, "reviewer", "Bob", false, 10), approve(7, "reviewer", "Carl", true, 11)},
			missing:   []string{"dev: run 7 was refused by reviewer (refused by Carl"}},
		{name: "later sign-off replaces refusal", env: "preprod", allowed: true,
			runs:      []*state.Run{run(7, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(7, "reviewer", "Carl", true, 10), approve(7, "reviewer", "Bob", false, 11)},
			runsUsed:  map[string]int{"dev": 7}},
		{name: "a later import voids the sign-offs of earlier ones", env: "preprod",
			runs:      []*state.Run{run(4, "dev", ok, curRec, false), run(8, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			missing:   []string{`dev: run 8 needs a sign-off by reviewer ("handover approve 8 --as reviewer --by NAME") (the sign-offs on run 4 were voided by the later import, run 8)`}},
		{name: "a later import that was rolled back voids nothing", env: "preprod", allowed: true,
			runs: []*state.Run{run(4, "dev", ok, curRec, false), func() *state.Run {
				r := run(8, "dev", protocol.StatusGateFailed, curRec, false)
				r.Protocol.Transaction = protocol.TransactionRolledBack
				return r
			}(), run(9, "dev", ok, curRec, true)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			runsUsed:  map[string]int{"dev": 4}},
		{name: "a later gate failure kept with on_gate_failure: commit voids", env: "preprod",
			runs: []*state.Run{run(4, "dev", ok, curRec, false), func() *state.Run {
				r := run(8, "dev", protocol.StatusGateFailed, curRec, false)
				r.Protocol.Transaction = protocol.TransactionCommitted
				return r
			}()},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			missing:   []string{"dev: no successful import (run 8 failed the gate"}},
		{name: "the starter cannot review", env: "preprod",
			runs:      []*state.Run{started(run(7, "dev", ok, curRec, false), "Bob")},
			approvals: []state.Approval{approve(7, "reviewer", " bob ", false, 10)},
			missing:   []string{"dev: run 7 was started by  bob , who cannot review it"}},
		{name: "the starter may sign another role", env: "prod", allowed: true,
			runs:      []*state.Run{started(run(9, "preprod", ok, curRec, false), "Anna")},
			approvals: []state.Approval{approve(9, "customer", "Anna", false, 30)}},
		{name: "one person cannot sign two roles", env: "prod",
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{approve(9, "customer", "Anna", false, 30), approve(9, "lead", "anna", false, 31)},
			missing:   []string{"preprod: run 9: anna signed as customer and as lead — each role needs another person"},
			roles:     []string{"customer", "lead"}},
		{name: "two people sign two roles", env: "prod", allowed: true,
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{approve(9, "customer", "Anna", false, 30), approve(9, "lead", "Lea", false, 31)},
			roles:     []string{"customer", "lead"}},
		{name: "sign-off on a run with old recipes does not count", env: "preprod",
			runs:      []*state.Run{run(4, "dev", ok, oldRec, false), run(8, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(4, "reviewer", "Bob", false, 10)},
			missing:   []string{"dev: run 8 needs a sign-off by reviewer"}},
		{name: "runs of other environments do not count", env: "prod",
			runs:      []*state.Run{run(4, "dev", ok, curRec, false)},
			approvals: []state.Approval{approve(4, "customer", "Anna", false, 10)},
			missing:   []string{"preprod: no import yet"}},
		{name: "prod with customer sign-off on preprod", env: "prod", allowed: true,
			runs:      []*state.Run{run(9, "preprod", ok, curRec, false)},
			approvals: []state.Approval{approve(9, "customer", "Anna", false, 30)},
			evidence:  []string{"preprod: run 9, extraction 1, passed the gate 2026-12-01; approved by Anna (customer) 2026-12-02"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &fake{runs: tt.runs, approvals: tt.approvals}
			p := testProject()
			if tt.roles != nil {
				p.Environments["prod"].Approvals = tt.roles
			}
			d, err := Check(context.Background(), ev, p, Request{Env: tt.env, Hashes: current, Extraction: 1})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != tt.allowed {
				t.Errorf("Allowed = %v, want %v (missing %q)", d.Allowed, tt.allowed, d.Missing)
			}
			if len(d.Missing) != len(tt.missing) {
				t.Fatalf("Missing = %q, want %d entries like %q", d.Missing, len(tt.missing), tt.missing)
			}
			for i, want := range tt.missing {
				if !strings.Contains(d.Missing[i], want) {
					t.Errorf("Missing[%d] =\n  %s\nwant it to contain\n  %s", i, d.Missing[i], want)
				}
			}
			if tt.evidence != nil && strings.Join(d.Evidence, "\n") != strings.Join(tt.evidence, "\n") {
				t.Errorf("Evidence = %q, want %q", d.Evidence, tt.evidence)
			}
			for env, n := range tt.runsUsed {
				if d.Runs[env] != n {
					t.Errorf("Runs[%s] = %d, want %d", env, d.Runs[env], n)
				}
			}
		})
	}
}

func TestCheckFreeze(t *testing.T) {
	ok := protocol.StatusSucceeded
	received := day0.Add(48 * time.Hour)
	frozenBefore := map[string]fact{FreezeFact: {"Anna", day0.Add(24 * time.Hour)}}
	frozenAfter := map[string]fact{FreezeFact: {"Anna", day0.Add(72 * time.Hour)}}
	tests := []struct {
		name       string
		env        string
		extraction int
		facts      map[string]fact
		freeze     Freeze
		allowed    bool
		missing    string
	}{
		{name: "first extraction needs no freeze", env: "prod", extraction: 1, allowed: true},
		{name: "second extraction without freeze", env: "prod", extraction: 2,
			missing: "freeze: extraction 2 is a later extraction, but the source was never frozen"},
		{name: "frozen before the extraction", env: "prod", extraction: 2, facts: frozenBefore, allowed: true},
		{name: "frozen after the extraction", env: "prod", extraction: 2, facts: frozenAfter,
			missing: "freeze: extraction 2 was received 2026-12-03 09:00 UTC, before the source was frozen 2026-12-04 09:00 UTC"},
		{name: "dev needs no freeze", env: "dev", extraction: 2, allowed: true},
		{name: "policy off", env: "prod", extraction: 2, freeze: Freeze{Off: true}, allowed: true},
		{name: "policy limited to prod spares preprod", env: "preprod", extraction: 2, freeze: Freeze{Envs: []string{"prod"}}, allowed: true},
		{name: "policy limited to prod", env: "prod", extraction: 2, freeze: Freeze{Envs: []string{"prod"}}, missing: "never frozen"},
		{name: "custom fact key", env: "prod", extraction: 2, facts: frozenBefore, freeze: Freeze{Fact: "source_frozen"}, missing: "never frozen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := &fake{facts: tt.facts, runs: []*state.Run{
				run(1, "dev", ok, curRec, false), run(2, "preprod", ok, curRec, false)},
				approvals: []state.Approval{approve(1, "reviewer", "Bob", false, 1), approve(2, "customer", "Anna", false, 2)}}
			d, err := Check(context.Background(), ev, testProject(),
				Request{Env: tt.env, Hashes: current, Extraction: tt.extraction, Received: received, Freeze: tt.freeze})
			if err != nil {
				t.Fatal(err)
			}
			if d.Allowed != tt.allowed {
				t.Errorf("Allowed = %v, want %v (missing %q)", d.Allowed, tt.allowed, d.Missing)
			}
			if tt.missing != "" && (len(d.Missing) != 1 || !strings.Contains(d.Missing[0], tt.missing)) {
				t.Errorf("Missing = %q, want one entry containing %q", d.Missing, tt.missing)
			}
		})
	}
}

func TestCheckErrors(t *testing.T) {
	_, err := Check(context.Background(), &fake{}, testProject(), Request{Env: "qa"})
	if err == nil || !strings.Contains(err.Error(), `no environment "qa"`) {
		t.Errorf("unknown env: err = %v", err)
	}
	boom := errors.New("database gone")
	_, err = Check(context.Background(), &fake{err: boom}, testProject(), Request{Env: "prod", Hashes: current})
	if !errors.Is(err, boom) || !strings.HasPrefix(err.Error(), "check promotion to prod: ") {
		t.Errorf("store error: err = %v", err)
	}
}

func TestLatestAndDescribe(t *testing.T) {
	as := []state.Approval{approve(1, "customer", "Anna", false, 1), approve(1, "customer", "Anna", true, 2), approve(1, "lead", "Lea", false, 3)}
	if _, ok := Approved(as, "customer"); ok {
		t.Error("customer: later refusal should cancel the sign-off")
	}
	a, ok := Approved(as, "lead")
	if !ok || a.By != "Lea" {
		t.Errorf("lead: got %+v, %v", a, ok)
	}
	if _, ok := Latest(as, "reviewer"); ok {
		t.Error("reviewer: no approval expected")
	}
	if got, want := Describe(as[0]), "approved by Anna (customer) 2026-12-01"; got != want {
		t.Errorf("Describe = %q, want %q", got, want)
	}
}

// The state store is the Evidence the CLI passes.
var _ Evidence = (*state.Store)(nil)
