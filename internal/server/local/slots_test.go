package local

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// TestInProcessRunsTakeTheSharedSlots: with Config.Slots (serve's run
// slots, shared with its River workers), a run the server executes
// in-process (a fix-up; here a check, with no Enqueue) waits while every
// slot is taken, counted as
// queue depth, and runs once one is given back: serve --workers N bounds
// every run of the process.
func TestInProcessRunsTakeTheSharedSlots(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	getenv := func(k string) string {
		if strings.HasPrefix(k, "HANDOVER_") {
			return ""
		}
		return os.Getenv(k)
	}
	a := app.New(app.Config{Version: "test", Getenv: getenv, Now: time.Now})
	actor := app.Actor{Name: "tester"}
	if _, err := a.Receive(ctx, app.ReceiveRequest{Actor: actor, Project: dir, Paths: []string{filepath.Join(dir, "sample")}}); err != nil {
		t.Fatal(err)
	}
	slots := make(chan struct{}, 1)
	slots <- struct{}{} // a River worker of the process runs
	s, err := New(ctx, Config{Project: dir, App: a, Workers: 4, Slots: slots})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(time.Minute) })
	m := s.order[0]
	q := runQueue{s, m, s.projects[m]}
	req := app.QueueRequest{Actor: actor, Project: dir, Kind: protocol.KindCheck}

	waiting, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	depth := make(chan int, 1)
	go func() { time.Sleep(100 * time.Millisecond); depth <- s.QueueDepth() }()
	if n, err := q.QueueRun(waiting, req); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a run with every shared slot taken: run %d, %v; want it to wait", n, err)
	}
	if d := <-depth; d != 1 {
		t.Errorf("queue depth %d while the run waited for a slot, want 1", d)
	}

	go func() { time.Sleep(100 * time.Millisecond); <-slots }() // the River run ends
	n, err := q.QueueRun(ctx, req)
	if err != nil || n == 0 {
		t.Fatalf("the run once a slot is free: run %d, %v", n, err)
	}
	if err := s.Close(time.Minute); err != nil {
		t.Fatal(err)
	}
	if len(slots) != 0 {
		t.Errorf("%d slot(s) still taken after the run ended", len(slots))
	}
}
