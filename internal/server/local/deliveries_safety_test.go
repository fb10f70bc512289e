package local

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/server"
)

// appParts is an app.Parts of test files.
type appParts struct{ files []upload }

func (p *appParts) Next() (string, io.Reader, error) {
	if len(p.files) == 0 {
		return "", nil, io.EOF
	}
	f := p.files[0]
	p.files = p.files[1:]
	return f.name, bytes.NewReader(f.data), nil
}

// TestServeRecoversKilledDelivery: a server killed between storing an
// upload and queueing its check (the application's hook fails there)
// leaves extraction 2 without a check; the next server to start on the
// project queues it as the customer who uploaded it, and it is checked —
// as the system instead when that customer's account was removed
// meanwhile.
func TestServeRecoversKilledDelivery(t *testing.T) {
	for _, removed := range []bool{false, true} {
		t.Run(map[bool]string{false: "account", true: "removed"}[removed], func(t *testing.T) { testServeRecoversKilledDelivery(t, removed) })
	}
}

// storyUploader verifies uploaders in the story's accounts, as serve does.
func storyUploader(s *story) func(ctx context.Context, email, m string) (app.Actor, string, error) {
	return func(ctx context.Context, email, m string) (app.Actor, string, error) {
		acc, why, err := server.Uploader(ctx, s.accounts, email, m)
		if acc == nil {
			return app.Actor{}, why, err
		}
		return app.Actor{Name: acc.Email, Authenticated: true, Account: strconv.FormatInt(acc.ID, 10)}, "", nil
	}
}

func testServeRecoversKilledDelivery(t *testing.T, removed bool) {
	ctx := context.Background()
	s := newStory(t)
	killed := errors.New("killed")
	dying := app.New(app.Config{Version: "test", Getenv: storyGetenv, Hooks: app.Hooks{AfterDeliveryStored: func() error { return killed }}})
	ann := app.Actor{Name: "ann@acme.example", Authenticated: true, Account: "3"}
	res, err := dying.Deliver(ctx, app.DeliverRequest{Actor: ann, Project: s.dir, Parts: &appParts{exampleFiles(t, nil)}})
	if !errors.Is(err, killed) || res.Extraction != 2 {
		t.Fatalf("deliver killed after storing: %+v %v", res, err)
	}
	ds, err := s.svc.Deliveries(ctx, "acme-onboarding")
	if err != nil || len(ds) != 2 || ds[1].Run != 0 || ds[1].By != "" {
		t.Fatalf("before the restart: %+v %v; want extraction 2 without a check or uploader", ds, err)
	}

	if removed {
		if err := s.accounts.Remove(ctx, ann.Name); err != nil {
			t.Fatal(err)
		}
	}
	restarted, err := New(ctx, Config{Project: s.dir, App: s.app, Workers: 1, Uploader: storyUploader(s)})
	if err != nil {
		t.Fatal(err)
	}
	defer restarted.Close(time.Minute)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ds, err = restarted.Deliveries(ctx, "acme-onboarding")
		if err != nil {
			t.Fatal(err)
		}
		if d := ds[len(ds)-1]; d.Extraction == 2 && d.Status != "received" && d.Status != "checking" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("extraction 2 not checked after the restart: %+v", ds)
		}
		time.Sleep(50 * time.Millisecond)
	}
	d := ds[1]
	if d.By != ann.Name || d.Run == 0 || d.Status != "checked" || d.Rows == 0 {
		t.Errorf("after the restart: %+v; want checked by the run of %s's upload", d, ann.Name)
	}
	starter := ann.Name
	if removed {
		starter = "handover"
	}
	run, err := restarted.Run(ctx, "acme-onboarding", d.Run)
	if err != nil || run.Kind != "check" || run.Extraction != 2 || run.StartedBy != starter {
		t.Errorf("run %d: %+v %v; want a check of extraction 2 started by %s", d.Run, run, err, starter)
	}
	again, err := New(ctx, Config{Project: s.dir, App: s.app, Workers: 1, Uploader: storyUploader(s)})
	if err != nil {
		t.Fatal(err)
	}
	again.Close(time.Minute)
	if runs, _ := restarted.Runs(ctx, "acme-onboarding"); len(runs) != 1 {
		t.Errorf("a second start queued again: runs %+v", runs)
	}
}

// storyGetenv is the environment of newStory's application.
func storyGetenv(k string) string {
	if k == "HANDOVER_STATE" || strings.HasPrefix(k, "HANDOVER_AUDIT_KEY") {
		return ""
	}
	return os.Getenv(k)
}
