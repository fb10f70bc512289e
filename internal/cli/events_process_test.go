package cli

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/handover/handover/internal/notify"
)

// A refused and a forced promotion and a freeze are events too; a run's
// event carries its rejects by rule and its first rejects, and links to
// the server instead of local paths when notify.public_url is set (issue
// 16 item 15).
func TestProcessEventsAndRunLinks(t *testing.T) {
	rc := &receiver{}
	ts := httptest.NewServer(rc)
	defer ts.Close()
	srv := ts.URL
	w := newStory(t, `notify:
  public_url: https://handover.example.com/
  webhooks:
    - url: ${HOOK_URL}
`)
	w.env["HOOK_URL"] = srv + "/hook"
	w.receive()
	w.must("import", "--env", "dev")         // run 1
	w.fails(2, "import", "--env", "preprod") // refused: no reviewer sign-off
	w.must("import", "--env", "preprod", "--force", "--reason", "ticket 4711")
	w.must("freeze", "--by", "Carla", "--note", "read-only since 8:00")

	types, by := rc.events()
	for _, want := range []string{"run_finished", "promotion_refused", "promotion_forced", "source_frozen"} {
		if len(by[want]) == 0 {
			t.Errorf("no %s event; got %v", want, types)
		}
	}
	decode := func(typ string) notify.Event {
		var ev notify.Event
		if ds := by[typ]; len(ds) > 0 {
			if err := json.Unmarshal(ds[0].body, &ev); err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
		}
		return ev
	}
	if ev := decode("promotion_refused"); ev.Promotion == nil || ev.Promotion.Env != "preprod" || len(ev.Promotion.Missing) == 0 || ev.Promotion.By != "tester" {
		t.Errorf("promotion_refused = %+v", ev.Promotion)
	}
	if ev := decode("promotion_forced"); ev.Promotion == nil || ev.Promotion.Reason != "ticket 4711" {
		t.Errorf("promotion_forced = %+v", ev.Promotion)
	}
	if ev := decode("source_frozen"); ev.Freeze == nil || ev.Freeze.By != "Carla" || ev.Freeze.Note != "read-only since 8:00" {
		t.Errorf("source_frozen = %+v", ev.Freeze)
	}
	run := decode("run_finished").Run
	if run == nil {
		t.Fatal("no run in run_finished")
	}
	if run.URL != "https://handover.example.com/m/example-onboarding/runs/1" || run.Artifacts != run.URL {
		t.Errorf("run url %q, artifacts %q", run.URL, run.Artifacts)
	}
	var byRule int
	for _, e := range run.Entities {
		for _, n := range e.RejectsByRule {
			byRule += n
		}
	}
	if byRule == 0 || int64(byRule) < run.Totals.Rejected {
		t.Errorf("rejects by rule add up to %d, rejected %d", byRule, run.Totals.Rejected)
	}
	if len(run.FirstRejects) == 0 || run.FirstRejects[0].Line == 0 || run.FirstRejects[0].Errors == "" {
		t.Errorf("first rejects = %+v", run.FirstRejects)
	}
	for _, r := range run.Rejects {
		if !strings.HasPrefix(r, run.URL+"/rejects/") {
			t.Errorf("rejects link %q is not on the server", r)
		}
	}
	body := string(by["run_finished"][0].body)
	if strings.Contains(body, w.dir) {
		t.Errorf("the event names a local path:\n%s", body)
	}
}
