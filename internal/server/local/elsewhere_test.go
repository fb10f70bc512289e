package local

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/state"
)

// TestRunOfAnotherProcess: an import begun by another process (the
// command line, a worker elsewhere) shows as running on the dashboard at
// once, and its event stream carries the progress that process writes to
// the state store.
func TestRunOfAnotherProcess(t *testing.T) {
	s := newStory(t)
	ctx := context.Background()
	eva := "eva@vendor.example"
	badge := func() string {
		t.Helper()
		_, body := s.call(eva, "GET", "/api/v1/migrations", "")
		var res struct {
			Migrations []struct {
				Environments []struct {
					Env    string `json:"env"`
					Run    int    `json:"run"`
					Status string `json:"status"`
				} `json:"environments"`
			} `json:"migrations"`
		}
		if err := json.Unmarshal(body, &res); err != nil || len(res.Migrations) != 1 {
			t.Fatalf("migrations: %v %s", err, body)
		}
		for _, l := range res.Migrations[0].Environments {
			if l.Env == "dev" {
				return l.Status + " " + itoa(l.Run)
			}
		}
		return ""
	}
	if got := badge(); got != "none 0" { // and the summary is cached
		t.Fatalf("dev before: %q", got)
	}
	// The other process: its own state store handle (on the story's
	// clock), a run begun and its counters written as app's lifecycle does.
	clock := new(testClock)
	clock.at(acmeCutover, -2)
	st, err := state.Open(ctx, "sqlite://"+filepath.Join(s.dir, ".handover", "state.db"),
		state.Options{Migration: "acme-onboarding", Holder: "cli:4711", Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run, err := st.BeginRun(ctx, state.NewRun{Kind: "import", Env: "dev", Extraction: 1, By: "eva"})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.SetFact(ctx, "progress/"+itoa(run.Number), `{"phase":"contacts","rows":1234}`, time.Time{}); err != nil {
		t.Fatal(err)
	}
	got := badge() // within a second or so (the runs' head is read at most every second)
	for deadline := time.Now().Add(5 * time.Second); got != "running "+itoa(run.Number) && time.Now().Before(deadline); got = badge() {
		time.Sleep(100 * time.Millisecond)
	}
	if got != "running "+itoa(run.Number) {
		t.Errorf("dev while the other process imports: %q", got)
	}
	code, body := s.call(eva, "GET", api+"/runs/"+itoa(run.Number), "")
	if code != 200 || !strings.Contains(string(body), `"status": "running"`) {
		t.Errorf("run: %d %s", code, body)
	}
	rctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	req := httptest.NewRequest("GET", api+"/runs/"+itoa(run.Number)+"/events", nil).WithContext(rctx)
	req.Header.Set("Authorization", "Bearer "+s.tokens[eva])
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req) // returns when rctx ends: the run goes on
	first, _, _ := strings.Cut(rec.Body.String(), "\n\n")
	if !strings.HasPrefix(first, "event: progress\n") || !strings.Contains(first, `"progress":[{"entity":"contacts","read":1234,"done":false}]`) {
		t.Errorf("first event %q", first)
	}
}
