package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/notify"
)

// receiver is a webhook endpoint on loopback that records what it gets.
type receiver struct {
	mu         sync.Mutex
	deliveries []delivery
}

type delivery struct {
	event, signature string
	body             []byte
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.deliveries = append(rc.deliveries, delivery{r.Header.Get(notify.HeaderEvent), r.Header.Get(notify.HeaderSignature), body})
	rc.mu.Unlock()
}

// events returns the event types received so far and the bodies by type.
func (rc *receiver) events() ([]string, map[string][]delivery) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var types []string
	by := map[string][]delivery{}
	for _, d := range rc.deliveries {
		types = append(types, d.event)
		by[d.event] = append(by[d.event], d)
	}
	return types, by
}

const hookYAML = `notify:
  webhooks:
    - name: tickets
      url: ${HOOK_URL}
      secret: ${HOOK_SECRET}
`

func TestWebhookPayloadAndSignature(t *testing.T) {
	rc := &receiver{}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w := newStory(t, hookYAML)
	w.env["HOOK_URL"], w.env["HOOK_SECRET"] = srv.URL+"/hook", "s3cret-key"

	w.at("2026-12-01 09:00") // kickoff (J-21) is overdue: nothing was received yet
	w.must("status")
	w.must("status") // sent once only
	w.receive()
	w.must("import", "--env", "dev")
	w.must("approve", "1", "--as", "reviewer", "--by", "Rita", "--note", "looks fine")

	types, by := rc.events()
	if want := "step_overdue,run_finished,signoff_recorded"; strings.Join(types, ",") != want {
		t.Fatalf("events %v, want %s", types, want)
	}
	for _, ds := range by {
		for _, d := range ds {
			if !notify.Verify("s3cret-key", d.body, d.signature) || !strings.HasPrefix(d.signature, "sha256=") {
				t.Errorf("%s: signature %q does not verify", d.event, d.signature)
			}
		}
	}
	var run notify.Event
	if err := json.Unmarshal(by["run_finished"][0].body, &run); err != nil {
		t.Fatal(err)
	}
	r := run.Run
	if run.Migration != "example-onboarding" || r == nil || r.Number != 1 || r.Env != "dev" || r.Status != "succeeded" ||
		r.Totals.Read != 14 || r.Totals.Rejected != 3 || r.Totals.Inserted != 10 {
		t.Fatalf("run_finished %+v run %+v", run, r)
	}
	if r.Artifacts != ".handover/runs/1" || strings.Join(r.Rejects, ",") != "rejects/contacts.csv" {
		t.Errorf("rejects location: %s %v", r.Artifacts, r.Rejects)
	}
	mustContain(t, "summary", run.Summary, "run 1 (import into dev, extraction 1) succeeded: 14 read, 3 rejected, 10 loaded")
	var so notify.Event
	if err := json.Unmarshal(by["signoff_recorded"][0].body, &so); err != nil {
		t.Fatal(err)
	}
	if s := so.Signoff; s == nil || s.Run != 1 || s.Env != "dev" || s.Role != "reviewer" || s.By != "Rita" || s.Note != "looks fine" {
		t.Errorf("signoff_recorded %+v", so.Signoff)
	}
	var step notify.Event
	if err := json.Unmarshal(by["step_overdue"][0].body, &step); err != nil {
		t.Fatal(err)
	}
	if s := step.Step; s == nil || s.ID != "kickoff" || s.Due != "2026-11-24" || s.When != "J-21" || s.Owner != "lead" {
		t.Errorf("step_overdue %+v", step.Step)
	}
}

// TestWebhookFailuresAreWarnings: a receiver that answers 500 and one that
// never answers leave the import's outcome alone; the CLI waits about 3 s,
// then warns, without repeating the URL's token or the secret.
func TestWebhookFailuresAreWarnings(t *testing.T) {
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
	}))
	defer failing.Close()
	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)

	w := newStory(t, `notify:
  webhooks:
    - {name: failing, url: "${FAILING}/hook?token=t0ken-x", secret: s3cret-key}
    - {url: "${HANGING}/hook/t0ken-y", events: [run_finished]}
`)
	w.env["FAILING"], w.env["HANGING"] = failing.URL, hanging.URL
	w.receive()
	start := time.Now()
	code, out, errOut := w.run("import", "--env", "dev")
	took := time.Since(start)
	if code != 0 || !strings.Contains(out, "succeeded") {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if took > 8*time.Second {
		t.Errorf("import took %v: a hanging webhook blocked it", took)
	}
	mustContain(t, "stderr", errOut, "warning: webhook failing: run_finished not delivered after 3 attempts: receiver answered 500",
		"warning: webhook "+hanging.URL+"/…: run_finished not delivered")
	for _, secret := range []string{"t0ken", "s3cret"} {
		if strings.Contains(errOut, secret) {
			t.Errorf("stderr leaks %s:\n%s", secret, errOut)
		}
	}
}
