package app

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// recordingQueue is an Enqueuer that keeps what it is given, or fails.
type recordingQueue struct {
	runs []QueuedRun
	err  error
}

func (q *recordingQueue) Enqueue(_ context.Context, r QueuedRun) error {
	if q.err != nil {
		return q.err
	}
	q.runs = append(q.runs, r)
	return nil
}

func TestQueueThenExecute(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	x := f.receive(-1)
	q := &recordingQueue{}
	check, err := f.svc.Queue(ctx, QueueRequest{Actor: tester, Project: f.dir, Kind: protocol.KindCheck}, q)
	if err != nil {
		t.Fatal(err)
	}
	imp, err := f.svc.Queue(ctx, QueueRequest{Actor: tester, Project: f.dir, Kind: protocol.KindImport, Env: "dev"}, q)
	if err != nil {
		t.Fatal(err)
	}
	if check.Run != 1 || imp.Run != 2 || imp.Extraction != x || imp.Migration != "example-onboarding" || imp.Actor != "tester" || len(q.runs) != 2 {
		t.Fatalf("queued %+v and %+v (%d handed over); want runs 1 and 2 of extraction %d", check, imp, len(q.runs), x)
	}
	runs, err := f.svc.Runs(ctx, RunsRequest{Project: f.dir})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 2 || runs[0].Status != StatusQueued || runs[1].Status != StatusQueued {
		t.Fatalf("runs after queueing: %+v", runs)
	}
	for _, r := range q.runs {
		res, err := f.svc.Execute(ctx, r)
		if err != nil || res.Protocol.Run != r.Run || res.Protocol.Status != protocol.StatusSucceeded {
			t.Fatalf("execute run %d: %+v, %v", r.Run, res, err)
		}
	}
	// A retried job of a finished run does nothing.
	_, err = f.svc.Execute(ctx, q.runs[1])
	var ce *ClaimError
	if !errors.As(err, &ce) || !ce.Finished() {
		t.Fatalf("executing run 2 again: %v; want a ClaimError for a finished run", err)
	}
	if n := strings.Count(sqliteDump(t, filepath.Join(f.dir, ".handover", "dev.db"), "contacts"), "\n"); n == 0 {
		t.Error("the queued import loaded nothing")
	}
}

func TestQueueRefusesBadRequests(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.receive(-1)
	q := &recordingQueue{}
	for _, req := range []QueueRequest{
		{Kind: protocol.KindImport},                          // no environment
		{Kind: protocol.KindImport, Env: "nope"},             // unknown environment
		{Kind: protocol.KindCheck, Extraction: 9},            // no such extraction
		{Kind: protocol.KindDiff, Env: "dev"},                // not queueable
		{Kind: protocol.KindImport, Env: "dev", Force: true}, // --force without a reason
	} {
		req.Actor, req.Project = tester, f.dir
		if _, err := f.svc.Queue(ctx, req, q); !IsInvalid(err) {
			t.Errorf("Queue(%+v): %v; want an invalid request", req, err)
		}
	}
	if len(q.runs) != 0 {
		t.Errorf("bad requests were handed to the queue: %+v", q.runs)
	}
	// A queue that refuses the job: the run is recorded as failed.
	_, err := f.svc.Queue(ctx, QueueRequest{Actor: tester, Project: f.dir, Kind: protocol.KindCheck}, &recordingQueue{err: errors.New("queue down")})
	if err == nil || !strings.Contains(err.Error(), "queue down") {
		t.Fatalf("Queue with a failing queue: %v", err)
	}
	res, err := f.svc.Show(ctx, ShowRequest{Project: f.dir, Run: 1})
	if err != nil || res.Run.Status != protocol.StatusFailed {
		t.Fatalf("the run whose job was refused: %+v, %v; want failed", res, err)
	}
}

func TestExecuteRecordsARequestNoLongerValid(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.receive(-1)
	q := &recordingQueue{}
	qr, err := f.svc.Queue(ctx, QueueRequest{Actor: tester, Project: f.dir, Kind: protocol.KindImport, Env: "dev"}, q)
	if err != nil {
		t.Fatal(err)
	}
	qr.Env = "gone" // as if dev were removed from handover.yaml meanwhile
	if _, err := f.svc.Execute(ctx, *qr); !IsInvalid(err) {
		t.Fatalf("Execute into a missing environment: %v; want an invalid request", err)
	}
	res, err := f.svc.Show(ctx, ShowRequest{Project: f.dir, Run: qr.Run})
	if err != nil || res.Run.Status != protocol.StatusFailed || !strings.Contains(res.Run.Protocol.Error, "gone") {
		t.Fatalf("run %d: %+v, %v; want failed, naming the environment", qr.Run, res.Run, err)
	}
}

// A queued import carries its --lock-timeout to the worker: whole
// seconds rounded up, "do not wait" kept as negative, 0 the default.
func TestQueuedRunCarriesLockTimeout(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t, nil)
	f.receive(-1)
	for _, c := range []struct {
		in   time.Duration
		want int
	}{{0, 0}, {1500 * time.Millisecond, 2}, {5 * time.Minute, 300}, {-1, -1}} {
		q := &recordingQueue{}
		qr, err := f.svc.Queue(ctx, QueueRequest{Actor: tester, Project: f.dir, Kind: protocol.KindImport, Env: "dev", LockTimeout: c.in}, q)
		if err != nil {
			t.Fatal(err)
		}
		if qr.LockTimeout != c.want {
			t.Errorf("LockTimeout %s queued as %d s, want %d", c.in, qr.LockTimeout, c.want)
		}
		b, err := json.Marshal(qr)
		if err != nil {
			t.Fatal(err)
		}
		var back QueuedRun
		if err := json.Unmarshal(b, &back); err != nil || back.LockTimeout != c.want {
			t.Errorf("LockTimeout %s after the job's JSON: %d (%v), want %d", c.in, back.LockTimeout, err, c.want)
		}
	}
}
