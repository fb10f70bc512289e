package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// deliveryFixture is a project with extraction 1 received from the
// command line, the sample's kontakte.csv to upload, and a Queuer that
// queues checks for real (a queued run in the state store, its job kept
// by q) and counts its calls.
func deliveryFixture(t *testing.T) (f *fixture, data []byte, q *recordingQueue, queue queueFunc, calls *int) {
	t.Helper()
	f = newFixture(t, nil)
	f.receive(-1)
	data, err := os.ReadFile(filepath.Join(f.dir, "sample", "kontakte.csv"))
	if err != nil {
		t.Fatal(err)
	}
	q, calls = &recordingQueue{}, new(int)
	queue = func(ctx context.Context, req QueueRequest) (int, error) {
		*calls++
		qr, err := f.svc.Queue(ctx, req, q)
		if err != nil {
			return 0, err
		}
		return qr.Run, nil
	}
	return f, data, q, queue, calls
}

func (f *fixture) record(n int) (deliveryRecord, bool) {
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
	_, _, ok, err := st.Fact(ctx, deliveryKey(n))
	if err != nil {
		f.t.Fatal(err)
	}
	rec, err := getDelivery(ctx, st, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return rec, ok
}

// auditOf lists the audit entries of action whose detail names
// extraction n, by their detail.
func (f *fixture) auditOf(action string, n int) []string {
	f.t.Helper()
	res, err := f.svc.Audit(context.Background(), AuditRequest{Project: f.dir})
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, e := range res.Entries {
		if e.Action == action && (strings.HasPrefix(e.Detail, fmt.Sprintf("extraction %d ", n)) || strings.HasPrefix(e.Detail, fmt.Sprintf("extraction %d:", n))) {
			out = append(out, e.Detail)
		}
	}
	return out
}

// A server killed between storing an upload and queueing its check (the
// hook fails there, as a kill would stop it) leaves an extraction the
// state store does not know as a delivery. RecoverDeliveries — what serve
// runs when it starts — queues its check as the uploader, audits and
// records it; calling it again changes nothing, and an extraction
// received from the command line is left alone.
func TestRecoverDeliveryKilledBeforeQueueing(t *testing.T) {
	ctx := context.Background()
	f, data, q, queue, calls := deliveryFixture(t)
	ann := Actor{Name: "ann@acme.example", Authenticated: true}
	killed := errors.New("killed")
	f.svc.cfg.Hooks.AfterDeliveryStored = func() error { return killed }
	res, err := f.svc.Deliver(ctx, DeliverRequest{Actor: ann, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: queue})
	if !errors.Is(err, killed) || res == nil || res.Extraction != 2 || *calls != 0 {
		t.Fatalf("deliver killed after storing: %+v %v, %d queue calls; want extraction 2, nothing queued", res, err, *calls)
	}
	if _, ok := f.record(2); ok {
		t.Fatal("the killed delivery has a record")
	}
	f.svc.cfg.Hooks.AfterDeliveryStored = nil // the server starts again

	done, err := f.svc.RecoverDeliveries(ctx, RecoverDeliveriesRequest{Project: f.dir, Queue: queue, Uploader: verified(ann)})
	if err != nil || !reflect.DeepEqual(done, []int{2}) {
		t.Fatalf("recover: %v %v, want extraction 2", done, err)
	}
	if len(q.runs) != 1 || q.runs[0].Extraction != 2 || q.runs[0].Kind != protocol.KindCheck || q.runs[0].Actor != ann.Name {
		t.Fatalf("queued %+v; want one check of extraction 2 by %s", q.runs, ann.Name)
	}
	rec, ok := f.record(2)
	if !ok || rec.By != ann.Name || rec.Run != q.runs[0].Run {
		t.Errorf("record %+v (%v); want by %s, run %d", rec, ok, ann.Name, q.runs[0].Run)
	}
	if got := f.auditOf(ActionReceive, 2); len(got) != 1 {
		t.Errorf("receive entries of extraction 2: %q, want one", got)
	}
	if got := f.auditOf(ActionDeliver, 2); len(got) != 1 || !strings.Contains(got[0], "interrupted") || !strings.Contains(got[0], "check run") {
		t.Errorf("deliver entries of extraction 2: %q, want one saying the check was queued after an interrupted upload", got)
	}
	ds, err := f.svc.Deliveries(ctx, DeliveriesRequest{Project: f.dir})
	if err != nil || len(ds) != 2 || ds[1].By != ann.Name || ds[1].Run != q.runs[0].Run || ds[1].Status != DeliveryChecking || ds[0].By != "" {
		t.Errorf("deliveries %+v %v; want extraction 2 by %s, checking", ds, err, ann.Name)
	}

	done, err = f.svc.RecoverDeliveries(ctx, RecoverDeliveriesRequest{Project: f.dir, Queue: queue, Uploader: verified(ann)})
	if err != nil || len(done) != 0 || *calls != 1 || len(f.auditOf(ActionDeliver, 2)) != 1 {
		t.Errorf("second recover: %v %v, %d queue calls; want nothing done", done, err, *calls)
	}
}

// Killed after the check was queued but before the delivery was recorded
// (the queue answers with an error after queueing), the recovery records
// the check that exists instead of queueing a second one.
func TestRecoverDeliveryKilledAfterQueueing(t *testing.T) {
	ctx := context.Background()
	f, data, q, queue, calls := deliveryFixture(t)
	ann := Actor{Name: "ann@acme.example", Authenticated: true}
	lost := queueFunc(func(ctx context.Context, req QueueRequest) (int, error) {
		if _, err := queue(ctx, req); err != nil {
			return 0, err
		}
		return 0, errors.New("connection reset")
	})
	if _, err := f.svc.Deliver(ctx, DeliverRequest{Actor: ann, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: lost}); err == nil {
		t.Fatal("deliver whose queue answered with an error: no error")
	}
	if _, ok := f.record(2); ok || len(q.runs) != 1 {
		t.Fatalf("after the lost answer: record %v, %d runs queued; want none, 1", ok, len(q.runs))
	}
	done, err := f.svc.RecoverDeliveries(ctx, RecoverDeliveriesRequest{Project: f.dir, Queue: queue})
	if err != nil || !reflect.DeepEqual(done, []int{2}) || *calls != 1 || len(q.runs) != 1 {
		t.Fatalf("recover: %v %v, %d queue calls, %d runs; want extraction 2 recorded with the one check", done, err, *calls, len(q.runs))
	}
	if rec, ok := f.record(2); !ok || rec.Run != q.runs[0].Run {
		t.Errorf("record %+v; want run %d", rec, q.runs[0].Run)
	}
}

// verified is an account store that knows only a, and lets it deliver.
func verified(a Actor) func(context.Context, string) (Actor, string, error) {
	return func(_ context.Context, name string) (Actor, string, error) {
		if name != a.Name {
			return Actor{}, "the account no longer exists", nil
		}
		return a, "", nil
	}
}

// A recovered upload whose account can no longer be verified — removed,
// no longer scoped to the migration, a role that may not upload, an
// account store that answers for someone else, or none at all — is not
// settled as that account: its check is queued, and the receive and the
// delivery audited, as the system, the delivery's entry naming the
// uploader and why the account was not used; the record still says who
// uploaded it. An account store that cannot be read stops the recovery
// with nothing queued.
func TestRecoverDeliveryUnverifiedAccount(t *testing.T) {
	ann := Actor{Name: "ann@acme.example", Authenticated: true, Account: "3"}
	refuse := func(why string) func(context.Context, string) (Actor, string, error) {
		return func(context.Context, string) (Actor, string, error) { return Actor{}, why, nil }
	}
	for _, tc := range []struct {
		name     string
		uploader func(context.Context, string) (Actor, string, error)
		why      string // in the delivery's entry; "" with err
		err      string
	}{
		{"removed", refuse("the account no longer exists"), "the account no longer exists", ""},
		{"unscoped", refuse("it is no longer scoped to migration example-onboarding"), "it is no longer scoped to migration example-onboarding", ""},
		{"no store", nil, "no account store verifies it", ""},
		{"another account", func(context.Context, string) (Actor, string, error) {
			return Actor{Name: "bob@acme.example", Authenticated: true}, "", nil
		}, "the account store answered for another account", ""},
		{"store down", func(context.Context, string) (Actor, string, error) {
			return Actor{}, "", errors.New("connection refused")
		}, "", "verify the account of ann@acme.example: connection refused"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			f, data, q, queue, _ := deliveryFixture(t)
			killed := errors.New("killed")
			f.svc.cfg.Hooks.AfterDeliveryStored = func() error { return killed }
			if _, err := f.svc.Deliver(ctx, DeliverRequest{Actor: ann, Project: f.dir, Parts: &oneFile{name: "kontakte.csv", data: data}, Queue: queue}); !errors.Is(err, killed) {
				t.Fatalf("deliver: %v", err)
			}
			f.svc.cfg.Hooks.AfterDeliveryStored = nil

			done, err := f.svc.RecoverDeliveries(ctx, RecoverDeliveriesRequest{Project: f.dir, Queue: queue, Uploader: tc.uploader})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || len(q.runs) != 0 {
					t.Fatalf("recover: %v %v, %d queued; want %q, nothing queued", done, err, len(q.runs), tc.err)
				}
				if _, ok := f.record(2); ok {
					t.Error("recorded although the account could not be verified")
				}
				return
			}
			if err != nil || !reflect.DeepEqual(done, []int{2}) {
				t.Fatalf("recover: %v %v", done, err)
			}
			if len(q.runs) != 1 || q.runs[0].Actor != "handover" {
				t.Fatalf("queued %+v; want one check by handover, not %s", q.runs, ann.Name)
			}
			res, err := f.svc.Audit(ctx, AuditRequest{Project: f.dir})
			if err != nil {
				t.Fatal(err)
			}
			var receive, deliver int
			for _, e := range res.Entries {
				if e.Actor == ann.Name {
					t.Errorf("an entry as %s: %s %s", ann.Name, e.Action, e.Detail)
				}
				switch {
				case e.Action == ActionReceive && strings.HasPrefix(e.Detail, "extraction 2:"):
					receive++
				case e.Action == ActionDeliver && strings.HasPrefix(e.Detail, "extraction 2 "):
					deliver++
					if e.Actor != "handover" || !strings.Contains(e.Detail, "uploaded by ann@acme.example, whose account was not used: "+tc.why) {
						t.Errorf("delivery entry %s: %q; want by handover, naming the uploader and %q", e.Actor, e.Detail, tc.why)
					}
				}
			}
			if receive != 1 || deliver != 1 {
				t.Errorf("%d receive and %d delivery entries of extraction 2, want 1 and 1", receive, deliver)
			}
			if rec, ok := f.record(2); !ok || rec.By != ann.Name || rec.Run != q.runs[0].Run {
				t.Errorf("record %+v %v; want uploaded by %s, run %d", rec, ok, ann.Name, q.runs[0].Run)
			}
		})
	}
}
