package app

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// server is one more handover serve process on the fixture's project and
// state store: its own Service, and a queue that queues checks for real
// and counts them.
type server struct {
	svc   *Service
	mu    sync.Mutex
	calls int
	q     recordingQueue
	slow  time.Duration // before queueing: widens the window two servers race in
}

func (f *fixture) server(slow time.Duration) *server {
	return &server{svc: New(Config{Version: "test", Now: func() time.Time { return f.now }, Getenv: func(k string) string { return f.env[k] }}), slow: slow}
}

func (s *server) QueueRun(ctx context.Context, req QueueRequest) (int, error) {
	time.Sleep(s.slow)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	qr, err := s.svc.Queue(ctx, req, &s.q)
	if err != nil {
		return 0, err
	}
	return qr.Run, nil
}

// interruptedUpload is a project whose state store is dsn ("": SQLite in
// the project) with extraction 2 uploaded by ann through the portal of a
// server killed before it queued the check.
func interruptedUpload(t *testing.T, dsn string) *fixture {
	t.Helper()
	f := newFixture(t, nil)
	if dsn != "" {
		f.env["HANDOVER_STATE"] = dsn
	}
	f.receive(-1)
	data, err := os.ReadFile(filepath.Join(f.dir, "sample", "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	killed := errors.New("killed")
	f.svc.cfg.Hooks.AfterDeliveryStored = func() error { return killed }
	ann := Actor{Name: "ann@acme.example", Authenticated: true}
	res, err := f.svc.Deliver(context.Background(), DeliverRequest{Actor: ann, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: f.server(0)})
	if !errors.Is(err, killed) || res == nil || res.Extraction != 2 {
		t.Fatalf("deliver killed after storing: %+v %v", res, err)
	}
	f.svc.cfg.Hooks.AfterDeliveryStored = nil
	return f
}

// checksOf counts the checks of extraction n the state store holds.
func (f *fixture) checksOf(n int) int {
	f.t.Helper()
	runs, err := f.svc.Runs(context.Background(), RunsRequest{Actor: tester, Project: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	c := 0
	for _, r := range runs {
		if r.Kind == protocol.KindCheck && r.Extraction == n {
			c++
		}
	}
	return c
}

// Two servers on one state store that start at once both find the
// interrupted upload; one queues its check, audits and records it, the
// other leaves it alone — with SQLite and with PostgreSQL as the state
// store.
func TestRecoverDeliveryTwoServersAtOnce(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			dsn := ""
			if store == "postgres" {
				dsn = testenv.FreshPostgres(t)
			}
			f := interruptedUpload(t, dsn)
			servers := []*server{f.server(150 * time.Millisecond), f.server(150 * time.Millisecond)}
			done := make([][]int, len(servers))
			errs := make([]error, len(servers))
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, s := range servers {
				wg.Go(func() {
					<-start
					done[i], errs[i] = s.svc.RecoverDeliveries(context.Background(), RecoverDeliveriesRequest{Project: f.dir, Queue: s})
				})
			}
			close(start)
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("recover: %v, %v", errs[0], errs[1])
			}
			if len(done[0])+len(done[1]) != 1 {
				t.Errorf("recovered %v and %v: want extraction 2 once", done[0], done[1])
			}
			if calls := servers[0].calls + servers[1].calls; calls != 1 {
				t.Errorf("the check was queued %d times, want once", calls)
			}
			if n := f.checksOf(2); n != 1 {
				t.Errorf("%d checks of extraction 2 in the state store, want 1", n)
			}
			if got := f.auditOf(ActionDeliver, 2); len(got) != 1 {
				t.Errorf("deliver entries of extraction 2: %q, want one", got)
			}
			if got := f.auditOf(ActionReceive, 2); len(got) != 1 {
				t.Errorf("receive entries of extraction 2: %q, want one", got)
			}
			if rec, ok := f.record(2); !ok || rec.Run == 0 {
				t.Errorf("record of extraction 2: %+v %v", rec, ok)
			}
		})
	}
}

// An upload whose delivery a starting server recovers meanwhile (the
// server saw it stored and not yet recorded) does not queue a second
// check: it waits for the recovery's record and answers with its run —
// whether the recovery still holds the claim or has finished already.
func TestDeliverWhileAnotherServerRecovers(t *testing.T) {
	for _, finished := range []bool{false, true} {
		f := newFixture(t, nil)
		f.receive(-1)
		data, err := os.ReadFile(filepath.Join(f.dir, "sample", "kontakte.csv"))
		if err != nil {
			t.Fatal(err)
		}
		other := f.server(300 * time.Millisecond)
		recovered := make(chan []int, 1)
		f.svc.cfg.Hooks.AfterDeliveryStored = func() error {
			go func() {
				done, err := other.svc.RecoverDeliveries(context.Background(), RecoverDeliveriesRequest{Project: f.dir, Queue: other})
				if err != nil {
					t.Error(err)
				}
				recovered <- done
			}()
			if finished {
				<-recovered
				recovered <- []int{2}
				return nil
			}
			for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if f.claimed(settleKey(2)) {
					return nil
				}
			}
			return errors.New("the other server never claimed the delivery")
		}
		mine := f.server(0)
		ann := Actor{Name: "ann@acme.example", Authenticated: true}
		res, err := f.svc.Deliver(context.Background(), DeliverRequest{Actor: ann, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: mine})
		if err != nil {
			t.Fatalf("finished %v: deliver: %v", finished, err)
		}
		if done := <-recovered; len(done) != 1 {
			t.Fatalf("finished %v: the other server recovered %v", finished, done)
		}
		if mine.calls != 0 || other.calls != 1 || f.checksOf(2) != 1 {
			t.Errorf("finished %v: queued by the upload %d, by the recovery %d, %d checks; want 0, 1, 1", finished, mine.calls, other.calls, f.checksOf(2))
		}
		if rec, _ := f.record(2); res.Run == 0 || res.Run != rec.Run {
			t.Errorf("finished %v: the upload answers run %d, the record says %d", finished, res.Run, rec.Run)
		}
	}
}

// claimed reports whether fact key is held (a claim) in the state store.
func (f *fixture) claimed(key string) bool {
	f.t.Helper()
	ctx := context.Background()
	p, err := f.svc.Project(f.dir)
	if err != nil {
		f.t.Fatal(err)
	}
	st, err := f.svc.openState(ctx, p)
	if err != nil {
		f.t.Fatal(err)
	}
	defer st.Close()
	_, _, ok, err := st.Fact(ctx, key)
	if err != nil {
		f.t.Fatal(err)
	}
	return ok
}
