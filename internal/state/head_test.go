package state

import (
	"context"
	"testing"
	"time"
)

// testRunsHead: the runs' head changes when a run begins, is queued,
// ends, and when a running run's lease runs out; DeleteFact removes a fact.
func testRunsHead(t *testing.T, dsn string) {
	ctx := context.Background()
	c := newClock()
	s := openWith(t, dsn, Options{Migration: "acme", Now: c.Now, Holder: "w1", LeaseTTL: time.Minute})
	seen := map[string]string{}
	step := func(what string) {
		t.Helper()
		h, err := s.RunsHead(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := seen[h]; dup {
			t.Errorf("%s: head %q as after %s", what, h, prev)
		}
		seen[h] = what
	}
	step("nothing")
	if _, err := s.BeginRun(ctx, NewRun{Kind: "import", Env: "dev", Extraction: 1, By: "anna"}); err != nil {
		t.Fatal(err)
	}
	step("begin")
	if _, err := s.QueueRun(ctx, NewRun{Kind: "check", Extraction: 1, By: "anna"}); err != nil {
		t.Fatal(err)
	}
	step("queue")
	c.Add(2 * time.Minute)
	step("lease ran out")
	a, _ := s.RunsHead(ctx)
	if b, _ := s.RunsHead(ctx); a != b {
		t.Errorf("the head changed without a change: %q, %q", a, b)
	}
	if err := s.SetFact(ctx, "progress/1", `{"rows":1}`, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteFact(ctx, "progress/1"); err != nil {
		t.Fatal(err)
	}
	if _, _, ok, err := s.Fact(ctx, "progress/1"); ok || err != nil {
		t.Errorf("the fact outlived DeleteFact (%v)", err)
	}
	if err := s.DeleteFact(ctx, "never-set"); err != nil {
		t.Errorf("DeleteFact of an unknown fact: %v", err)
	}
}
