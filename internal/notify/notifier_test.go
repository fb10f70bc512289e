package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// receiver is a webhook receiver on loopback that records what it got and
// answers with the statuses in order (the last one repeated).
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	got      []received
	statuses []int
	calls    atomic.Int32
}

type received struct {
	header http.Header
	body   []byte
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		n := int(r.calls.Add(1))
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body})
		r.mu.Unlock()
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[min(n, len(r.statuses))-1]
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// hanging is a receiver that never answers until the test ends.
func hanging(t *testing.T) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-release:
		case <-req.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first
	return srv
}

// sleeps records the back-off waits instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
	return ctx.Err()
}

func testProtocol(status string) *protocol.Protocol {
	return &protocol.Protocol{Run: 7, Kind: protocol.KindImport, Env: "preprod", Extraction: 1, Status: status,
		Artifacts: "/p/.handover/runs/7",
		Entities: []*protocol.Entity{
			{Name: "structures", Read: 10, Rejected: 0, Valid: 10, Inserted: 10},
			{Name: "contacts", Read: 15, Filtered: 1, Rejected: 9, Valid: 5, Inserted: 4, Unchanged: 1, Rejects: "rejects/contacts.csv"},
		},
		Gate: protocol.Gate{Passed: status != protocol.StatusGateFailed, Checks: []protocol.Check{
			{Name: "max_reject_rate", Entity: "contacts", Value: 0.6, Limit: 0.02, Passed: status != protocol.StatusGateFailed}}}}
}

var at = time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)

func closeWithin(t *testing.T, n *Notifier, d time.Duration) *Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return n.Close(ctx)
}

func TestPayloadAndSignature(t *testing.T) {
	all := newReceiver(t)
	gateOnly := newReceiver(t)
	n := New([]Webhook{
		{URL: all.URL + "/hook", Secret: "s3cret-key"},
		{URL: gateOnly.URL, Events: []string{EventGateFailed}},
	}, Options{})
	for _, ev := range RunEvents("acme", testProtocol(protocol.StatusGateFailed), "", at) {
		n.Send(context.Background(), ev)
	}
	rep := closeWithin(t, n, 5*time.Second)
	if err := rep.Err(); err != nil || rep.Delivered != 3 {
		t.Fatalf("report: delivered %d, err %v", rep.Delivered, err)
	}
	got := all.requests()
	if len(got) != 2 {
		t.Fatalf("receiver got %d requests, want 2", len(got))
	}
	for i, want := range []string{EventRunFinished, EventGateFailed} {
		r := got[i]
		if e := r.header.Get(HeaderEvent); e != want {
			t.Errorf("request %d: %s = %q, want %q", i, HeaderEvent, e, want)
		}
		if ct := r.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q", ct)
		}
		if sig := r.header.Get(HeaderSignature); !Verify("s3cret-key", r.body, sig) || !strings.HasPrefix(sig, "sha256=") {
			t.Errorf("request %d: signature %q does not verify", i, sig)
		}
		if Verify("other-key", r.body, r.header.Get(HeaderSignature)) {
			t.Error("signature verifies with the wrong key")
		}
		if r.header.Get(HeaderDelivery) == "" {
			t.Error("no delivery id")
		}
	}
	var ev Event
	if err := json.Unmarshal(got[0].body, &ev); err != nil {
		t.Fatal(err)
	}
	run := ev.Run
	if ev.Type != EventRunFinished || ev.Migration != "acme" || !ev.At.Equal(at) || run == nil {
		t.Fatalf("event = %+v", ev)
	}
	if run.Number != 7 || run.Env != "preprod" || run.Totals.Read != 25 || run.Totals.Rejected != 9 || run.Totals.Inserted != 14 || run.Totals.Unchanged != 1 {
		t.Errorf("run = %+v", run)
	}
	if run.Artifacts != "/p/.handover/runs/7" || len(run.Rejects) != 1 || run.Rejects[0] != "rejects/contacts.csv" {
		t.Errorf("rejects location: %q %q", run.Artifacts, run.Rejects)
	}
	if len(run.FailedChecks) != 1 || run.FailedChecks[0].Name != "max_reject_rate" {
		t.Errorf("failed checks = %+v", run.FailedChecks)
	}
	if !strings.Contains(ev.Summary, "run 7 (import into preprod, extraction 1) gate_failed: 25 read, 9 rejected, 15 loaded") {
		t.Errorf("summary = %q", ev.Summary)
	}
	g := gateOnly.requests()
	if len(g) != 1 || g[0].header.Get(HeaderEvent) != EventGateFailed {
		t.Errorf("gate-only receiver got %d requests", len(g))
	}
	if g[0].header.Get(HeaderSignature) != "" {
		t.Error("a webhook without secret should get no signature")
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int
		delivered int
		calls     int32
		waits     []time.Duration
		err       string
	}{
		{"500 twice then 200", []int{500, 500, 200}, 1, 3, []time.Duration{500 * time.Millisecond, time.Second}, ""},
		{"503 once", []int{503, 204}, 1, 2, []time.Duration{500 * time.Millisecond}, ""},
		{"429 is retried", []int{429, 200}, 1, 2, []time.Duration{500 * time.Millisecond}, ""},
		{"always 500", []int{500}, 0, 3, []time.Duration{500 * time.Millisecond, time.Second},
			"run_finished not delivered after 3 attempts: receiver answered 500 Internal Server Error"},
		{"400 is not retried", []int{400}, 0, 1, nil, "after 1 attempt: receiver answered 400 Bad Request"},
		{"redirect is not followed", []int{302}, 0, 1, nil, "receiver answered 302 Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rcv := newReceiver(t, tt.statuses...)
			s := &sleeps{}
			n := New([]Webhook{{URL: rcv.URL}}, Options{Sleep: s.sleep})
			n.Send(context.Background(), RunEvents("acme", testProtocol(protocol.StatusSucceeded), "", at)[0])
			rep := closeWithin(t, n, 5*time.Second)
			if rep.Delivered != tt.delivered || rcv.calls.Load() != tt.calls {
				t.Errorf("delivered %d after %d calls, want %d after %d", rep.Delivered, rcv.calls.Load(), tt.delivered, tt.calls)
			}
			if len(s.d) != len(tt.waits) || (len(s.d) > 0 && (s.d[0] != tt.waits[0] || s.d[len(s.d)-1] != tt.waits[len(tt.waits)-1])) {
				t.Errorf("waits = %v, want %v", s.d, tt.waits)
			}
			err := rep.Err()
			if tt.err == "" && err != nil || tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("report error = %v, want %q", err, tt.err)
			}
			ids := map[string]bool{}
			for _, r := range rcv.requests() {
				ids[r.header.Get(HeaderDelivery)] = true
			}
			if len(ids) != 1 {
				t.Errorf("retries should keep one delivery id, got %d", len(ids))
			}
		})
	}
}

func TestHangingReceiver(t *testing.T) {
	srv := hanging(t)
	t.Run("per-attempt timeout", func(t *testing.T) {
		s := &sleeps{}
		n := New([]Webhook{{URL: srv.URL, Name: "jira"}}, Options{Timeout: 100 * time.Millisecond, Attempts: 2, Sleep: s.sleep})
		start := time.Now()
		n.Send(context.Background(), SignoffEvent("acme", Signoff{Run: 7, Role: "customer", By: "Anna"}, at))
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Send took %v: it must not wait for the receiver", d)
		}
		rep := closeWithin(t, n, 5*time.Second)
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Close took %v, want about 2 timeouts", d)
		}
		want := "webhook jira: signoff_recorded not delivered after 2 attempts: no answer within 100ms"
		if err := rep.Err(); err == nil || err.Error() != want {
			t.Errorf("report = %v, want %q", err, want)
		}
	})
	t.Run("close deadline", func(t *testing.T) {
		n := New([]Webhook{{URL: srv.URL}}, Options{}) // 5 s per attempt
		start := time.Now()
		for range 3 {
			n.Send(context.Background(), StepOverdueEvent("acme", Step{ID: "kickoff", Title: "Kick-off"}, at))
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Errorf("Send took %v: it must not wait for the receiver", d)
		}
		rep := closeWithin(t, n, 200*time.Millisecond)
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close returned after %v, want soon after its 200ms deadline", d)
		}
		if len(rep.Failures) != 3 || rep.Delivered != 0 {
			t.Fatalf("report = %+v, want 3 failures", rep)
		}
		for _, f := range rep.Failures {
			if f.Err != errShutdown.Error() || f.Webhook != srv.URL {
				t.Errorf("failure = %+v", f)
			}
		}
	})
}

func TestQueueFullAndClosed(t *testing.T) {
	srv := hanging(t)
	n := New([]Webhook{{URL: srv.URL}}, Options{Queue: 1, Timeout: 50 * time.Millisecond, Attempts: 1})
	ev := StepOverdueEvent("acme", Step{ID: "kickoff"}, at)
	start := time.Now()
	for range 10 {
		n.Send(context.Background(), ev)
	}
	if d := time.Since(start); d > 50*time.Millisecond {
		t.Errorf("10 sends took %v", d)
	}
	rep := closeWithin(t, n, 5*time.Second)
	full := 0
	for _, f := range rep.Failures {
		if strings.Contains(f.Err, "queue full (1 pending): event dropped") {
			full++
		}
	}
	if len(rep.Failures) != 10 || full < 8 {
		t.Errorf("failures = %d (%d queue full), want 10 with at least 8 dropped", len(rep.Failures), full)
	}
	n.Send(context.Background(), ev)
	rep = closeWithin(t, n, time.Second)
	if last := rep.Failures[len(rep.Failures)-1]; last.Err != "the notifier is closed" {
		t.Errorf("send after close: %+v", last)
	}
}

func TestSecretsNeverShown(t *testing.T) {
	rcv := newReceiver(t, 500)
	// a closed port: connection refused
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	hooks := []Webhook{
		{URL: strings.Replace(deadURL, "http://", "http://admin:pa55word@", 1) + "/services/T0/B0/tok3nPath?token=qu3ryTok&x=1", Secret: "hmac-s3cret"},
		{URL: rcv.URL + "/hook?api_key=k3y-value", Secret: "hmac-s3cret"},
		{URL: "ftp://user:pw-in-ftp@host/x", Secret: "hmac-s3cret"},
	}
	n := New(hooks, Options{Sleep: (&sleeps{}).sleep})
	n.Send(context.Background(), SignoffEvent("acme", Signoff{Run: 1, Role: "lead", By: "Lea"}, at))
	rep := closeWithin(t, n, 5*time.Second)
	if len(rep.Failures) != 3 {
		t.Fatalf("failures = %+v, want 3", rep.Failures)
	}
	for _, f := range rep.Failures {
		if strings.HasPrefix(f.Webhook, "ftp:") && (f.Attempts != 0 || !strings.Contains(f.Err, "url must start with http:// or https://")) {
			t.Errorf("invalid webhook should fail without attempts: %+v", f)
		}
	}
	all := rep.Err().Error()
	for _, h := range hooks {
		if err := h.Validate(); err != nil {
			all += " " + err.Error()
		}
		all += " " + h.Label()
	}
	for _, secret := range []string{"pa55word", "admin", "qu3ryTok", "tok3nPath", "k3y-value", "hmac-s3cret", "pw-in-ftp", "services"} {
		if strings.Contains(all, secret) {
			t.Errorf("%q leaked: %s", secret, all)
		}
	}
	if !strings.Contains(all, "/…") {
		t.Errorf("labels should show an elided path: %s", all)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		hook Webhook
		want string
	}{
		{Webhook{URL: "https://hooks.example.com/x", Events: []string{EventRunFinished, EventStepOverdue}}, ""},
		{Webhook{}, "url missing"},
		{Webhook{URL: "ftp://x/y"}, "must start with http:// or https://"},
		{Webhook{URL: "https:///path"}, "names no host"},
		{Webhook{URL: "https://h/", Events: []string{"run_done"}}, `unknown event "run_done"`},
		{Webhook{URL: "%zz"}, "does not parse"},
	}
	for _, tt := range tests {
		err := tt.hook.Validate()
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tt.hook, err, tt.want)
		}
	}
}

func TestRunEventsSucceeded(t *testing.T) {
	evs := RunEvents("acme", testProtocol(protocol.StatusSucceeded), "https://handover.example/runs/7", at)
	if len(evs) != 1 || evs[0].Type != EventRunFinished || evs[0].Run.Artifacts != "https://handover.example/runs/7" {
		t.Fatalf("events = %+v", evs)
	}
	if len(evs[0].Run.FailedChecks) != 0 {
		t.Errorf("failed checks on a passed gate: %+v", evs[0].Run.FailedChecks)
	}
	if got := SignoffEvent("acme", Signoff{Run: 7, Role: "customer", By: "Anna", Refused: true}, at).Summary; got != "acme: Anna (customer) refused run 7" {
		t.Errorf("signoff summary = %q", got)
	}
}
