package app

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/handover/handover/internal/usecase"
)

type (
	Progress         = usecase.Progress
	ProgressSnapshot = usecase.ProgressSnapshot
)

// progressEvery is how often a running run's counters are written to the
// state store, for the front ends of other processes (the web server's
// live progress of a run begun on the command line or by a worker).
const progressEvery = time.Second

// progressKey is the state-store fact holding run n's progress while it
// runs; it is removed when the run ends.
func progressKey(n int) string { return "progress/" + strconv.Itoa(n) }

// publishProgress writes prog's snapshot as run n's progress fact every
// progressEvery (when it changed) until stop is called, which removes
// the fact. Writing is best effort: a failure never touches the run.
func (s *Service) publishProgress(ctx context.Context, st Store, n int, prog *Progress) (stop func()) {
	if prog == nil {
		return func() {}
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		every := s.cfg.ProgressEvery
		if every <= 0 {
			every = progressEvery
		}
		tick := time.NewTicker(every)
		defer tick.Stop()
		var last ProgressSnapshot
		publish := func() {
			snap := prog.Snapshot()
			if snap == last || (snap.Phase == "" && snap.FilesTotal == 0) {
				return
			}
			last = snap
			data, _ := json.Marshal(snap)
			_ = st.SetFact(ctx, progressKey(n), string(data), s.now())
		}
		for {
			select {
			case <-done:
				// What the run did since the last tick is written once more, so
				// that the last progress written is the run's whole (a run
				// shorter than a tick otherwise ends on its first snapshot).
				publish()
				return
			case <-ctx.Done():
				return
			case <-tick.C:
				publish()
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		_ = st.DeleteFact(context.WithoutCancel(ctx), progressKey(n))
	}
}

// Progress reads run n's progress as its executing process last wrote it
// (every second or so); ok is false when there is none: the run has not
// read a row yet, or has ended.
func (sv *Served) Progress(ctx context.Context, n int) (snap ProgressSnapshot, ok bool, err error) {
	v, _, found, err := sv.st.Fact(ctx, progressKey(n))
	if err != nil || !found || v == "" {
		return ProgressSnapshot{}, false, err
	}
	if err := json.Unmarshal([]byte(v), &snap); err != nil {
		return ProgressSnapshot{}, false, nil // a foreign value: no progress
	}
	return snap, true, nil
}
