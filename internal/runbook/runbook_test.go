package runbook

import (
	"context"
	"encoding/json"
	"strconv"
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
	return out, nil
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
	cutover = time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC)
	hashes  = project.Hashes{Recipes: "sha256:r1", Format: "sha256:f1"}
	envs    = Envs{Dev: "dev", Preprod: "preprod", Prod: "prod"}
)

func on(month time.Month, d, hour int) time.Time {
	return time.Date(2026, month, d, hour, 0, 0, 0, time.UTC)
}

func addRun(f *fake, kind, env, status string, started time.Time, dry bool) {
	n := len(f.runs) + 1
	f.runs = append(f.runs, &state.Run{Number: n, Kind: kind, Env: env, Extraction: 1, Status: status,
		Started: started, Finished: started.Add(time.Minute), Artifacts: "/p/.handover/runs/" + strconv.Itoa(n),
		Protocol: &protocol.Protocol{Run: n, Kind: kind, Env: env, Status: status, DryRun: dry,
			Hashes:   protocol.Hashes{Recipes: hashes.Recipes, Format: hashes.Format},
			Entities: []*protocol.Entity{{Name: "contacts", Rejected: 2}, {Name: "structures", Rejected: 1}}}})
}

func addApproval(f *fake, run int, role, by string, at time.Time, refused bool) {
	f.approvals = append(f.approvals, state.Approval{Run: run, Role: role, By: by, At: at, Refused: refused})
}

func setFact(f *fake, key, value string, at time.Time) {
	if f.facts == nil {
		f.facts = map[string]fact{}
	}
	f.facts[key] = fact{value, at}
}

// TestStory walks the runbook as evidence appears, with a fixed clock.
func TestStory(t *testing.T) {
	ok := protocol.StatusSucceeded
	f := &fake{}
	var extractions []Extraction
	stages := []struct {
		name   string
		today  time.Time
		add    func()
		want   map[string]Status
		next   string
		checks map[string]string // step → substring of its evidence + note
	}{
		{name: "nothing yet", today: on(11, 20, 9),
			want: map[string]Status{StepKickoff: Due, StepExtraction1: Blocked, StepDevGate: Blocked,
				StepPreprodRefreshed: Due, StepPreprodImport: Blocked, StepFreeze: Due, StepExtraction2: Blocked, StepSignoff: Blocked},
			next: StepKickoff, checks: map[string]string{StepPreprodImport: "waiting for dev_gate, preprod_refreshed"}},
		{name: "kick-off date passed", today: on(11, 25, 9),
			want: map[string]Status{StepKickoff: Overdue, StepExtraction1: Blocked}, next: StepKickoff},
		{name: "extraction 1 received", today: on(11, 30, 9),
			add:  func() { extractions = append(extractions, Extraction{Number: 1, Received: on(11, 28, 15)}) },
			want: map[string]Status{StepKickoff: Done, StepExtraction1: Done, StepDevGate: Due, StepPreprodImport: Blocked},
			next: StepDevGate,
			checks: map[string]string{StepKickoff: "implied: extraction 1 received 2026-11-28",
				StepExtraction1: "extraction 1 received 2026-11-28"}},
		{name: "gate failed and dry run do not count", today: on(12, 6, 9),
			add: func() {
				addRun(f, protocol.KindImport, "dev", protocol.StatusGateFailed, on(12, 2, 9), false)
				addRun(f, protocol.KindImport, "dev", ok, on(12, 3, 9), true)
				addRun(f, protocol.KindCheck, "", ok, on(12, 3, 10), false)
			},
			want:   map[string]Status{StepDevGate: Overdue},
			checks: map[string]string{StepDevGate: "no successful import into dev yet"}},
		{name: "dev import passed, no sign-off", today: on(12, 6, 9),
			add:    func() { addRun(f, protocol.KindImport, "dev", ok, on(12, 5, 9), false) }, // run 4
			want:   map[string]Status{StepDevGate: Overdue, StepPreprodImport: Blocked},
			checks: map[string]string{StepDevGate: `run 4 needs a sign-off by reviewer ("handover approve 4 --as reviewer --by NAME")`}},
		{name: "reviewer refused", today: on(12, 6, 9),
			add:    func() { addApproval(f, 4, "reviewer", "Bob", on(12, 5, 12), true) },
			want:   map[string]Status{StepDevGate: Overdue},
			checks: map[string]string{StepDevGate: "run 4 was refused by Bob (reviewer) 2026-12-05"}},
		{name: "reviewer signed off", today: on(12, 6, 9),
			add:    func() { addApproval(f, 4, "reviewer", "Bob", on(12, 6, 8), false) },
			want:   map[string]Status{StepDevGate: Done, StepPreprodRefreshed: Due, StepPreprodImport: Blocked},
			next:   StepPreprodRefreshed,
			checks: map[string]string{StepDevGate: "run 4 | approved by Bob (reviewer) 2026-12-06", StepPreprodImport: "waiting for preprod_refreshed"}},
		{name: "preprod imported before its refresh", today: on(12, 8, 9),
			add: func() {
				addRun(f, protocol.KindImport, "preprod", ok, on(12, 7, 9), false) // run 5
				setFact(f, StepPreprodRefreshed, "Lea", on(12, 7, 10))
			},
			want:   map[string]Status{StepPreprodRefreshed: Done, StepPreprodImport: Due, StepRejects: Blocked},
			next:   StepPreprodImport,
			checks: map[string]string{StepPreprodRefreshed: "confirmed by Lea 2026-12-07", StepPreprodImport: "run 5 ran before preprod was refreshed (2026-12-07)"}},
		{name: "preprod imported", today: on(12, 9, 9),
			add:  func() { addRun(f, protocol.KindImport, "preprod", ok, on(12, 8, 9), false) }, // run 6
			want: map[string]Status{StepPreprodImport: Done, StepRejects: Done, StepCustomerValidation: Due},
			next: StepCustomerValidation,
			checks: map[string]string{StepPreprodImport: "run 6",
				StepRejects: "rejects of run 6: 3 rows in /p/.handover/runs/6/rejects", StepCustomerValidation: "run 6 needs a sign-off by customer"}},
		{name: "customer validated", today: on(12, 14, 9),
			add:    func() { addApproval(f, 6, "customer", "Anna", on(12, 13, 16), false) },
			want:   map[string]Status{StepCustomerValidation: Done, StepFreeze: Due, StepProdImport: Due, StepSignoff: Blocked},
			next:   StepFreeze,
			checks: map[string]string{StepCustomerValidation: "run 6 | approved by Anna (customer) 2026-12-13"}},
		{name: "prod imported without a second extraction", today: on(12, 15, 18),
			add:  func() { addRun(f, protocol.KindImport, "prod", ok, on(12, 15, 9), false) }, // run 7
			want: map[string]Status{StepProdImport: Done, StepFreeze: Skipped, StepExtraction2: Skipped, StepFixup: Due, StepSignoff: Blocked},
			next: StepFixup, checks: map[string]string{StepFixup: `no fix-up since run 7 ("handover fixup --env prod")`}},
		{name: "fixed up and signed off", today: on(12, 16, 9),
			add: func() {
				addRun(f, KindFixup, "prod", ok, on(12, 15, 10), false) // run 8
				addApproval(f, 7, "lead", "Lea", on(12, 15, 17), false)
			},
			want:   map[string]Status{StepFixup: Done, StepSignoff: Done, StepKickoff: Done},
			checks: map[string]string{StepFixup: "run 8", StepSignoff: "run 7 | approved by Lea (lead) 2026-12-15"}},
	}
	for _, st := range stages {
		if st.add != nil {
			st.add()
		}
		p, err := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: st.today, Envs: envs, Hashes: hashes, Extractions: extractions})
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		for id, want := range st.want {
			if s := p.Step(id); s == nil || s.Status != want {
				t.Errorf("%s: step %s = %+v, want %s", st.name, id, s, want)
			}
		}
		next := ""
		if s := p.Next(); s != nil {
			next = s.ID
		}
		if st.next != "" && next != st.next {
			t.Errorf("%s: Next = %q, want %q", st.name, next, st.next)
		}
		for id, want := range st.checks {
			s := p.Step(id)
			got := strings.Join(append(append([]string{}, s.Evidence...), s.Note), " | ")
			if !strings.Contains(got, want) {
				t.Errorf("%s: step %s evidence/note = %q, want %q", st.name, id, got, want)
			}
		}
	}
	// the last stage: everything done or skipped
	p, _ := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: on(12, 16, 9), Envs: envs, Hashes: hashes, Extractions: extractions})
	if s := p.Next(); s != nil {
		t.Errorf("finished migration: Next = %s (%s), want nil", s.ID, s.Status)
	}
}

func TestChangedRecipes(t *testing.T) {
	f := &fake{}
	addRun(f, protocol.KindImport, "dev", protocol.StatusSucceeded, on(12, 5, 9), false)
	addApproval(f, 1, "reviewer", "Bob", on(12, 5, 10), false)
	changed := project.Hashes{Recipes: "sha256:r2", Format: hashes.Format}
	x := []Extraction{{Number: 1, Received: on(12, 1, 9)}}
	build := func(h project.Hashes) *Runbook {
		p, err := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: on(12, 6, 9), Envs: envs, Hashes: h, Extractions: x})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if s := build(hashes).Step(StepDevGate); s.Status != Done {
		t.Fatalf("same recipes: dev_gate = %s", s.Status)
	}
	s := build(changed).Step(StepDevGate)
	if s.Status != Overdue || !strings.Contains(s.Note, "recipes or format changed since run 1: import into dev again") {
		t.Errorf("changed recipes: dev_gate = %s, note %q", s.Status, s.Note)
	}
	if s := build(project.Hashes{}).Step(StepDevGate); s.Status != Done {
		t.Errorf("no current hashes given: dev_gate = %s, want done", s.Status)
	}
	// once prod is imported, changed recipes no longer undo earlier steps
	addRun(f, protocol.KindImport, "prod", protocol.StatusSucceeded, on(12, 15, 9), false)
	if s := build(changed).Step(StepDevGate); s.Status != Done {
		t.Errorf("after prod import: dev_gate = %s, want done", s.Status)
	}
}

func TestFreezeAndSecondExtraction(t *testing.T) {
	x1 := Extraction{Number: 1, Received: on(12, 1, 9)}
	x2 := Extraction{Number: 2, Received: on(12, 14, 12)}
	tests := []struct {
		name        string
		freezeAt    time.Time
		extractions []Extraction
		freeze, x2  Status
		note        string
	}{
		{name: "neither", extractions: []Extraction{x1}, freeze: Due, x2: Blocked},
		{name: "frozen", freezeAt: on(12, 14, 8), extractions: []Extraction{x1}, freeze: Done, x2: Due},
		{name: "frozen, then extraction 2", freezeAt: on(12, 14, 8), extractions: []Extraction{x1, x2}, freeze: Done, x2: Done},
		{name: "extraction 2 without freeze", extractions: []Extraction{x1, x2}, freeze: Due, x2: Blocked,
			note: "extraction 2 was received before the source was frozen"},
		{name: "frozen after extraction 2", freezeAt: on(12, 14, 13), extractions: []Extraction{x1, x2}, freeze: Done, x2: Done,
			note: "received before the source was frozen"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			if !tt.freezeAt.IsZero() {
				setFact(f, StepFreeze, "Anna", tt.freezeAt)
			}
			p, err := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: on(12, 14, 9), Envs: envs, Extractions: tt.extractions})
			if err != nil {
				t.Fatal(err)
			}
			fr, e2 := p.Step(StepFreeze), p.Step(StepExtraction2)
			if fr.Status != tt.freeze || e2.Status != tt.x2 {
				t.Errorf("freeze = %s, extraction_2 = %s; want %s, %s", fr.Status, e2.Status, tt.freeze, tt.x2)
			}
			if !strings.Contains(e2.Note, tt.note) || (tt.note == "" && e2.Note != "" && e2.Status == Done) {
				t.Errorf("extraction_2 note = %q, want %q", e2.Note, tt.note)
			}
			if tt.freeze == Done && fr.Evidence[0] != "frozen by Anna 2026-12-14" {
				t.Errorf("freeze evidence = %q", fr.Evidence)
			}
		})
	}
}

func TestFileTransfer(t *testing.T) {
	ok := protocol.StatusSucceeded
	f := &fake{}
	cfg := Config{Fixups: true, Cutover: cutover, Today: on(12, 10, 9), Envs: envs, Files: true, Extractions: []Extraction{{Number: 1, Received: on(12, 1, 9)}}}
	build := func() *Runbook {
		p, err := Build(context.Background(), f, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := build()
	if a, b := p.Step(StepFileInitial).Status, p.Step(StepFileDelta).Status; a != Overdue || b != Blocked {
		t.Errorf("no sync: initial %s, delta %s", a, b)
	}
	addRun(f, protocol.KindSync, "prod", ok, on(12, 8, 9), true)      // dry run: no
	addRun(f, protocol.KindSync, "preprod", ok, on(12, 8, 10), false) // other env: no
	addRun(f, protocol.KindSync, "prod", ok, on(12, 8, 11), false)    // run 3
	p = build()
	if s := p.Step(StepFileInitial); s.Status != Done || s.Evidence[0] != "run 3" {
		t.Errorf("initial sync: %+v", s)
	}
	if s := p.Step(StepFileDelta); s.Status != Due {
		t.Errorf("delta before its sync: %s", s.Status)
	}
	addRun(f, protocol.KindSync, "prod", ok, on(12, 15, 11), false) // run 4
	if s := build().Step(StepFileDelta); s.Status != Done || s.Evidence[0] != "run 4" {
		t.Errorf("delta sync: %+v", s)
	}
	if build().Step(StepFileInitial).Evidence[0] != "run 3" {
		t.Error("initial transfer should stay the first sync")
	}
	cfg.Files = false
	if p := build(); p.Step(StepFileInitial) != nil || p.Step(StepFileDelta) != nil {
		t.Error("without files the file steps should be dropped")
	}
}

func TestEnvsOf(t *testing.T) {
	env := func(name string, req ...string) *project.Environment {
		return &project.Environment{Name: name, Requires: req}
	}
	tests := []struct {
		name string
		envs []*project.Environment
		want Envs
	}{
		{"none", nil, Envs{}},
		{"one", []*project.Environment{env("live")}, Envs{Prod: "live"}},
		{"two", []*project.Environment{env("test"), env("live", "test")}, Envs{Dev: "test", Prod: "live"}},
		{"three", []*project.Environment{env("dev"), env("preprod", "dev"), env("prod", "preprod")}, envs},
		{"out of order", []*project.Environment{env("prod", "preprod"), env("preprod", "dev"), env("dev")}, envs},
		{"four", []*project.Environment{env("a"), env("b", "a"), env("c", "b"), env("d", "c")}, Envs{Dev: "a", Preprod: "c", Prod: "d"}},
		{"cycle does not hang", []*project.Environment{env("x", "y"), env("y", "x")}, Envs{Dev: "y", Prod: "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &project.Project{Environments: map[string]*project.Environment{}}
			for _, e := range tt.envs {
				p.Environments[e.Name] = e
				p.EnvOrder = append(p.EnvOrder, e.Name)
			}
			if got := EnvsOf(p); got != tt.want {
				t.Errorf("EnvsOf = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMissingPreprod(t *testing.T) {
	f := &fake{}
	addRun(f, protocol.KindImport, "dev", protocol.StatusSucceeded, on(12, 5, 9), false)
	p, err := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: on(12, 6, 9), Envs: Envs{Dev: "dev", Prod: "prod"},
		Extractions: []Extraction{{Number: 1, Received: on(12, 1, 9)}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{StepPreprodRefreshed, StepPreprodImport, StepRejects, StepCustomerValidation} {
		if p.Step(id) != nil {
			t.Errorf("step %s should be dropped without preprod", id)
		}
	}
	// prod import inherits the dependencies of the dropped steps
	if s := p.Step(StepProdImport); s.Status != Blocked || !strings.Contains(s.Note, "waiting for dev_gate") {
		t.Errorf("prod_import = %s %q, want blocked waiting for dev_gate", s.Status, s.Note)
	}
}

func TestBuildErrors(t *testing.T) {
	if _, err := Build(context.Background(), &fake{}, Config{Fixups: true, Envs: envs}); err == nil || !strings.Contains(err.Error(), "no cutover date") {
		t.Errorf("no cutover: err = %v", err)
	}
}

func TestJSON(t *testing.T) {
	p, err := Build(context.Background(), &fake{}, Config{Fixups: true, Cutover: cutover, Today: on(11, 25, 9), Envs: envs})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Cutover, Today, Next string
		Steps                []map[string]any
	}
	if err := json.Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if got.Cutover != "2026-12-15" || got.Today != "2026-11-25" || got.Next != StepKickoff {
		t.Errorf("runbook JSON = %s", data)
	}
	first := got.Steps[0]
	if first["id"] != StepKickoff || first["due"] != "2026-11-24" || first["when"] != "J-21" || first["status"] != "overdue" || first["owner"] != "lead" {
		t.Errorf("first step JSON = %v", first)
	}
}
