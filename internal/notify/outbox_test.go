package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/testenv"
)

// dedupReceiver is a webhook receiver that counts deliveries by event id.
type dedupReceiver struct {
	mu     sync.Mutex
	byID   map[string]int
	bodies [][]byte
	bad    []string
}

func (r *dedupReceiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev Event
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case json.Unmarshal(body, &ev) != nil || ev.ID == "":
		r.bad = append(r.bad, "no event id: "+string(body))
	case req.Header.Get(HeaderDelivery) != ev.ID:
		r.bad = append(r.bad, "delivery header "+req.Header.Get(HeaderDelivery)+" is not the event id "+ev.ID)
	case !Verify("s3cret", body, req.Header.Get(HeaderSignature)):
		r.bad = append(r.bad, "bad signature")
	}
	r.byID[ev.ID]++
	r.bodies = append(r.bodies, body)
}

func (r *dedupReceiver) counts() (map[string]int, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.byID {
		out[k] = v
	}
	return out, append([]string(nil), r.bad...)
}

// TestOutboxDelivery: events written with the run's record survive a
// dedupReceiver that is down and are delivered by a later Drain, once each
// (per event id), also with two senders at once.
func TestOutboxDelivery(t *testing.T) {
	dsns := map[string]func(t *testing.T) string{
		"SQLite":   func(t *testing.T) string { return "sqlite://" + filepath.Join(t.TempDir(), "state.db") },
		"Postgres": func(t *testing.T) string { return testenv.FreshPostgres(t) },
	}
	for name, dsn := range dsns {
		t.Run(name, func(t *testing.T) { testOutboxDelivery(t, dsn(t)) })
	}
}

func testOutboxDelivery(t *testing.T, dsn string) {
	ctx := context.Background()
	var mu sync.Mutex
	now := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	st, err := state.Open(ctx, dsn, state.Options{Migration: "acme", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()

	// The receiver is down: its port refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	hooks := []Webhook{{Name: "ops", URL: "http://" + addr + "/hook?token=abc", Secret: "s3cret"}}

	run, err := st.BeginRun(ctx, state.NewRun{Kind: protocol.KindImport, Env: "dev", Extraction: 1, By: "lea"})
	if err != nil {
		t.Fatal(err)
	}
	run.Status, run.Finished = protocol.StatusGateFailed, clock()
	p := &protocol.Protocol{Run: run.Number, Kind: protocol.KindImport, Env: "dev", Extraction: 1, Status: run.Status}
	head, _ := st.AuditHead(ctx)
	evs := RunEvents("acme", p, "", clock())
	for i := range evs {
		evs[i].AuditHead = &head
	}
	rows, err := Outboxed(hooks, evs...)
	if err != nil || len(rows) != 2 {
		t.Fatalf("Outboxed = %d rows, %v", len(rows), err)
	}
	if err := st.FinishRun(ctx, run, state.Finish{Events: rows}); err != nil {
		t.Fatal(err)
	}

	sender := &Sender{Outbox: st, Hooks: hooks, Now: clock, Opts: Options{Attempts: 2, Backoff: 5 * time.Millisecond, Timeout: time.Second}}
	dctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	r, err := sender.Drain(dctx)
	cancel()
	if err != nil || r.Delivered != 0 || len(r.Failures) != 2 || r.Failures[0].Attempts != 2 {
		t.Fatalf("Drain with the receiver down = %+v, %v", r, err)
	}
	for _, f := range r.Failures {
		if s := f.String(); contains(s, "token=abc") || contains(s, "s3cret") || !contains(s, "queued") {
			t.Errorf("failure %q", s)
		}
	}
	if n, _ := st.PendingEvents(ctx); n != 2 {
		t.Fatalf("pending after the failure = %d, want 2", n)
	}
	if r, _ := sender.Drain(ctx); r.Delivered != 0 || len(r.Failures) != 0 {
		t.Errorf("events were retried before their back-off: %+v", r)
	}

	// The receiver comes back; a later command drains the outbox.
	rcv := &dedupReceiver{byID: map[string]int{}}
	ln, err = net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	srv := &http.Server{Handler: rcv}
	go srv.Serve(ln)
	defer srv.Close()
	advance(time.Second)
	r, err = sender.Drain(ctx)
	if err != nil || r.Delivered != 2 || len(r.Failures) != 0 {
		t.Fatalf("Drain with the receiver up = %+v, %v", r, err)
	}
	if r, _ := sender.Drain(ctx); r.Delivered != 0 {
		t.Errorf("a second Drain delivered again: %+v", r)
	}
	got, bad := rcv.counts()
	if len(bad) != 0 || len(got) != 2 {
		t.Fatalf("dedupReceiver: %v, problems %v", got, bad)
	}
	var first Event
	if err := json.Unmarshal(rcv.bodies[0], &first); err != nil || first.AuditHead == nil || *first.AuditHead != head || first.Type != EventRunFinished {
		t.Errorf("first event = %+v, %v", first, err)
	}

	// Two senders drain 20 events at once: each arrives once.
	var more []Event
	for i := range 20 {
		more = append(more, Event{Type: EventSignoff, Migration: "acme", At: clock(), Summary: fmt.Sprint(i)})
	}
	rows, _ = Outboxed(hooks, more...)
	if err := st.Enqueue(ctx, rows...); err != nil {
		t.Fatal(err)
	}
	other, err := state.Open(ctx, dsn, state.Options{Migration: "acme", Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	var wg sync.WaitGroup
	for _, o := range []Outbox{st, other} {
		wg.Go(func() {
			s := &Sender{Outbox: o, Hooks: hooks, Now: clock}
			if _, err := s.Drain(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, bad = rcv.counts()
	if len(got) != 22 || len(bad) != 0 {
		t.Errorf("dedupReceiver got %d events (%v), want 22", len(got), bad)
	}
	for id, n := range got {
		if n != 1 {
			t.Errorf("event %s delivered %d times", id, n)
		}
	}
	if n, _ := st.PendingEvents(ctx); n != 0 {
		t.Errorf("pending at the end = %d", n)
	}
}

// contains reports whether s holds sub, also URL-escaped.
func contains(s, sub string) bool {
	u, _ := url.QueryUnescape(s)
	return strings.Contains(s, sub) || strings.Contains(u, sub)
}
