package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// TestPromotionStory walks the example project dev → preprod → prod with a
// fixed clock: each refused promotion with its message, the sign-offs, the
// runbook's statuses changing as evidence appears, a changed recipe, and a
// forced promotion in the audit log.
func TestPromotionStory(t *testing.T) {
	w := newStory(t, "")
	w.receive()
	w.step("kickoff", "done", "implied: extraction 1 received 2026-11-20")
	w.step("extraction_1", "done", "extraction 1 received 2026-11-20")
	w.step("dev_gate", "due", "no successful import into dev yet")
	w.step("preprod_import", "blocked", "waiting for dev_gate, preprod_refreshed")

	errOut := w.fails(2, "import", "--env", "preprod")
	mustContain(t, "refusal", errOut,
		"import into preprod, extraction 1 refused:\n  dev: no import yet (run \"handover import --env dev\")\n",
		"next: ", "--force --reason TEXT")

	code, out, _ := w.run("import", "--env", "preprod", "--json")
	var d struct {
		Allowed bool     `json:"allowed"`
		Env     string   `json:"env"`
		Missing []string `json:"missing"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil || code != 2 || d.Allowed || d.Env != "preprod" ||
		len(d.Missing) != 1 || !strings.HasPrefix(d.Missing[0], "dev: no import yet") {
		t.Errorf("refusal --json: exit %d, %+v, %v\n%s", code, d, err, out)
	}

	w.at("2026-11-24 10:00")
	w.must("import", "--env", "dev") // run 1
	errOut = w.fails(2, "import", "--env", "preprod")
	mustContain(t, "refusal", errOut, `dev: run 1 needs a sign-off by reviewer ("handover approve 1 --as reviewer --by NAME")`)

	w.at("2026-12-06 09:00") // dev_gate was due J-10 = 2026-12-05
	w.step("dev_gate", "overdue", "run 1 needs a sign-off by reviewer")
	out = w.must("approve", "1", "--as", "reviewer", "--by", "Rita")
	mustContain(t, "approve", out, "run 1 (import into dev): approved by Rita (reviewer) 2026-12-06")
	w.step("dev_gate", "done", "run 1", "approved by Rita (reviewer) 2026-12-06")
	w.step("preprod_import", "blocked", "waiting for preprod_refreshed")

	w.must("confirm", "preprod_refreshed", "--by", "Lea", "--note", "prod snapshot of 12-06")
	w.at("2026-12-08 09:00")
	out = w.must("import", "--env", "preprod") // run 2
	mustContain(t, "import preprod", out, "promotion: dev: run 1, extraction 1, passed the gate 2026-11-24; approved by Rita (reviewer)")
	w.step("preprod_import", "done", "run 2")
	w.step("rejects_published", "done", "rejects of run 2: 3 rows")
	w.step("customer_validation", "due", "run 2 needs a sign-off by customer")

	errOut = w.fails(2, "import", "--env", "prod")
	mustContain(t, "refusal", errOut, `preprod: run 2 needs a sign-off by customer ("handover approve 2 --as customer --by NAME")`)
	w.at("2026-12-13 09:00")
	w.must("reject-run", "2", "--as", "customer", "--by", "Carla", "--note", "categories wrong")
	errOut = w.fails(2, "import", "--env", "prod")
	mustContain(t, "refusal", errOut, `preprod: run 2 was refused by customer (refused by Carla (customer) 2026-12-13: "categories wrong")`)
	w.step("customer_validation", "due", "run 2 was refused by Carla (customer)")

	w.must("approve", "2", "--as", "customer", "--by", "Carla", "--note", "fixed in the target")
	w.step("customer_validation", "done", "approved by Carla (customer) 2026-12-13")
	out = w.must("show", "2")
	mustContain(t, "show 2", out, `sign-off: refused by Carla (customer) 2026-12-13: "categories wrong"`,
		`sign-off: approved by Carla (customer) 2026-12-13: "fixed in the target"`)

	// A changed recipe: the runs of dev and preprod no longer count.
	w.edit("recipes/contacts.yaml", "# a late change\n")
	errOut = w.fails(2, "import", "--env", "prod")
	mustContain(t, "refusal", errOut, `preprod: no successful import with the current recipes (recipes changed since run 2 — run "handover import --env preprod" again)`)
	errOut = w.fails(2, "import", "--env", "preprod")
	mustContain(t, "refusal", errOut, `dev: no successful import with the current recipes (recipes changed since run 1`)
	w.step("dev_gate", "overdue", "recipes or format changed since run 1: import into dev again")

	errOut = w.fails(2, "import", "--env", "prod", "--force")
	mustContain(t, "force without reason", errOut, "--force needs --reason")

	w.at("2026-12-15 08:00")
	code, out, errOut = w.run("import", "--env", "prod", "--force", "--reason", "go-live window, ticket 4711", "--json")
	if code != 0 {
		t.Fatalf("forced import: exit %d\n%s%s", code, out, errOut)
	}
	mustContain(t, "forced import warning", errOut, "warning: promotion forced (go-live window, ticket 4711)", "preprod: no successful import")
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("import --json: %v\n%s", err, out)
	}
	if p.Run != 3 || p.Status != protocol.StatusSucceeded || p.Forced != "go-live window, ticket 4711" {
		t.Errorf("forced run: run %d status %s forced %q", p.Run, p.Status, p.Forced)
	}
	onDisk, err := os.ReadFile(filepath.Join(w.dir, ".handover", "runs", "3", "protocol.json"))
	if err != nil || !strings.Contains(string(onDisk), `"forced": "go-live window, ticket 4711"`) {
		t.Errorf("protocol.json of run 3 lacks forced: %v\n%s", err, onDisk)
	}
	w.step("prod_import", "done", "run 3")

	checkStoryAudit(t, w)
}

func checkStoryAudit(t *testing.T, w *story) {
	t.Helper()
	var actions []string
	byAction := map[string][]auditEntry{}
	for _, e := range w.audit() {
		actions = append(actions, e.Action)
		byAction[e.Action] = append(byAction[e.Action], e)
	}
	counts := map[string]int{"receive": 1, "config_changed": 2, "run": 3, "promotion_refused": 7, "approve": 2,
		"reject": 1, "confirm": 1, "force": 1}
	for action, n := range counts {
		if len(byAction[action]) != n {
			t.Errorf("audit has %d %s entries, want %d; actions %v", len(byAction[action]), action, n, actions)
		}
	}
	if actions[0] != "receive" || actions[1] != "config_changed" || actions[len(actions)-1] != "run" {
		t.Errorf("audit actions %v: want the receive first, then config_changed, the forced run last", actions)
	}
	force := byAction["force"][0]
	mustContain(t, "force entry", force.Detail, `import into prod, extraction 1 forced: "go-live window, ticket 4711"`, "preprod: no successful import")
	if force.Actor != "tester" {
		t.Errorf("force actor %q, want HANDOVER_USER tester", force.Actor)
	}
	mustContain(t, "last run entry", byAction["run"][2].Detail,
		"run 3 import into prod, extraction 1: succeeded (forced: go-live window, ticket 4711); recipes sha256:", "kontakte.csv sha256:")
	mustContain(t, "config change", byAction["config_changed"][1].Detail, "recipes sha256:", " → sha256:")
	if strings.Contains(byAction["config_changed"][1].Detail, "format") {
		t.Errorf("only the recipes changed: %s", byAction["config_changed"][1].Detail)
	}
	if a := byAction["approve"][0]; a.Actor != "Rita" || !strings.Contains(a.Detail, "run 1 (import into dev): approved by Rita (reviewer)") {
		t.Errorf("approve entry %+v", a)
	}
	out := w.must("audit", "--verify")
	mustContain(t, "audit --verify", out, "audit log intact: 18 entries")
}

func TestPlanCalendarAndStatus(t *testing.T) {
	w := newStory(t, "")
	w.receive()
	w.at("2026-12-09 09:00")
	ics := filepath.Join(t.TempDir(), "plan.ics")
	out := w.must("plan", "--ics", ics)
	mustContain(t, "plan", out, "example-onboarding runbook · J = 2026-12-15 · today 2026-12-09 (J-6)",
		"J-10   2026-12-05  overdue   reviewer   dev_gate", "next: dev_gate", "calendar: "+ics)
	data, err := os.ReadFile(ics)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "calendar", string(data), "BEGIN:VCALENDAR", "DTSTART;VALUE=DATE:20261205", "J-10: Import into dev")

	out = w.must("status")
	mustContain(t, "status", out, "example-onboarding · Example AG\nJ = 2026-12-15: 6 days to go (today 2026-12-09)",
		// 11 steps: no fixup without fix-up rules, no file transfer without
		// a files store in prod (issue 16 item 10).
		"stands: 2 of 11 steps done; last: Customer delivers extraction 1 (J-14)",
		"next: dev_gate — Import into dev passes the gate; reviewer signs off\n      owner reviewer · overdue 2026-12-05 (J-10)",
		"overdue:\n  J-10  2026-12-05  dev_gate", "  preprod    no run yet")
	w.must("check")
	out = w.must("status", "--json")
	var st struct {
		Days    int `json:"days_to_cutover"`
		Done    int `json:"steps_done"`
		Next    struct{ ID, Owner string }
		Overdue []struct{ ID string }
		Envs    []struct {
			Env string
			Run int
		} `json:"environments"`
		Check struct{ Run int } `json:"latest_check"`
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	if st.Days != 6 || st.Done != 2 || st.Next.ID != "dev_gate" || st.Next.Owner != "reviewer" ||
		len(st.Overdue) == 0 || st.Overdue[0].ID != "dev_gate" || len(st.Envs) != 3 || st.Envs[0].Env != "dev" ||
		st.Envs[0].Run != 0 || st.Check.Run != 1 {
		t.Errorf("status --json: %+v\n%s", st, out)
	}
}
