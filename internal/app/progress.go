package app

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/files"
)

// Progress is the counters object of one run that a front end draws: the
// command line as a bar, the server as a stream. A caller passes it in the
// request and samples it while the use case runs; it is safe for
// concurrent use.
type Progress struct {
	rows  engine.Progress
	files files.Progress
}

// ProgressSnapshot is what a run has done so far. Phase is the entity being
// read ("" before the first), or "files" during a file transfer.
type ProgressSnapshot struct {
	Phase      string `json:"phase"`
	Rows       int64  `json:"rows"`        // rows read of Phase's entity
	FilesDone  int64  `json:"files_done"`  // a file transfer's files
	FilesTotal int64  `json:"files_total"` //
	BytesDone  int64  `json:"bytes_done"`  // of the entity's source file, or of the transfer
	BytesTotal int64  `json:"bytes_total"` //
}

// Snapshot reads the counters; a nil Progress reads as zero.
func (p *Progress) Snapshot() ProgressSnapshot {
	if p == nil {
		return ProgressSnapshot{}
	}
	if f := p.files.Snapshot(); f.BytesTotal > 0 || f.FilesTotal > 0 {
		return ProgressSnapshot{Phase: "files", FilesDone: f.FilesDone, FilesTotal: f.FilesTotal,
			BytesDone: f.BytesDone, BytesTotal: f.BytesTotal}
	}
	r := p.rows.Snapshot()
	return ProgressSnapshot{Phase: r.Entity, Rows: r.Rows, BytesDone: r.BytesDone, BytesTotal: r.BytesAll}
}

func (p *Progress) engine() *engine.Progress {
	if p == nil {
		return nil
	}
	return &p.rows
}

func (p *Progress) transfer() *files.Progress {
	if p == nil {
		return nil
	}
	return &p.files
}

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
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			snap := prog.Snapshot()
			if snap == last || (snap.Phase == "" && snap.FilesTotal == 0) {
				continue
			}
			last = snap
			data, _ := json.Marshal(snap)
			_ = st.SetFact(ctx, progressKey(n), string(data), s.now())
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
