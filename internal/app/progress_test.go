package app

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/handover/handover/internal/state"
)

// factLog records a state store's progress facts.
type factLog struct {
	Store
	mu     sync.Mutex
	values []string
}

func (f *factLog) SetFact(ctx context.Context, key, value string, at time.Time) error {
	if strings.HasPrefix(key, "progress/") {
		f.mu.Lock()
		f.values = append(f.values, key+"="+value)
		f.mu.Unlock()
	}
	return f.Store.SetFact(ctx, key, value, at)
}

// TestProgressPublished: a running import writes its counters to the state
// store (for a web server in another process) and removes them when it
// ends; the last counters written are the run's whole, also when the run
// is shorter than the interval between two writes (an hour here).
func TestProgressPublished(t *testing.T) {
	for _, every := range []time.Duration{time.Millisecond, time.Hour} {
		t.Run(every.String(), func(t *testing.T) { testProgressPublished(t, every) })
	}
}

func testProgressPublished(t *testing.T, every time.Duration) {
	f := newFixture(t, nil)
	f.receive(-1)
	log := &factLog{}
	svc := New(Config{Version: "test", Getenv: func(k string) string { return f.env[k] }, ProgressEvery: every,
		OpenState: func(ctx context.Context, dsn string, opts state.Options) (Store, error) {
			st, err := state.Open(ctx, dsn, opts)
			log.Store = st
			return log, err
		}})
	ctx := context.Background()
	res, err := svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	values := append([]string(nil), log.values...)
	log.mu.Unlock()
	if len(values) == 0 {
		t.Fatal("no progress was written")
	}
	key, value, _ := strings.Cut(values[len(values)-1], "=")
	var snap ProgressSnapshot
	if err := json.Unmarshal([]byte(value), &snap); err != nil || key != "progress/1" || snap.Phase == "" || snap.Rows <= 0 {
		t.Errorf("progress %s=%s (%v)", key, value, err)
	}
	sv, err := f.svc.Serve(ctx, f.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer sv.Close()
	if _, ok, err := sv.Progress(ctx, res.Protocol.Run); ok || err != nil {
		t.Errorf("the progress of a finished run is still there (%v)", err)
	}
}
