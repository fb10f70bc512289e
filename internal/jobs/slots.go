package jobs

import (
	"sync"
	"time"
)

// Slots bounds the runs one process executes at once, across every
// migration and state store it serves (worker --concurrency, serve
// --workers): each run's memory budget is the process's divided by their
// number. River's queues stay one per migration (a worker takes only the
// runs of the projects it has); a job fetched when every slot is taken is
// snoozed (river.JobSnooze: its attempt is given back and its time limit
// has not started) and asks again after ServeConfig.SlotRetry.
//
// Runs of one migration start in the order they were queued: while an
// older job of the migration waits for a slot, a newer one does not take
// a free slot before it.
type Slots struct {
	ch chan struct{} // a value in it: a slot taken

	mu      sync.Mutex
	waiting map[string]map[int64]time.Time // migration → job id → when it last asked
}

// NewSlots returns n slots (at least 1).
func NewSlots(n int) *Slots {
	return &Slots{ch: make(chan struct{}, max(n, 1)), waiting: map[string]map[int64]time.Time{}}
}

// Size is the number of runs that may execute at once.
func (s *Slots) Size() int { return cap(s.ch) }

// Chan is the slots as a channel: a send takes one, a receive gives it
// back. In-process runs outside River (serve's fix-ups) take theirs here.
func (s *Slots) Chan() chan struct{} { return s.ch }

// take gives job id of migration a slot if one is free and no older job of
// the migration asked for one within recent; ok false: the job is noted as
// waiting (first: for the first time).
func (s *Slots) take(migration string, id int64, now time.Time, recent time.Duration) (ok, first bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.waiting[migration]
	for other, at := range w {
		if now.Sub(at) > recent { // taken elsewhere, cancelled, or gone
			delete(w, other)
		}
	}
	older := false
	for other := range w {
		older = older || other < id
	}
	if !older {
		select {
		case s.ch <- struct{}{}:
			delete(w, id)
			if len(w) == 0 {
				delete(s.waiting, migration)
			}
			return true, false
		default:
		}
	}
	if w == nil {
		w = map[int64]time.Time{}
		s.waiting[migration] = w
	}
	_, seen := w[id]
	w[id] = now
	return false, !seen
}

// release gives a slot back.
func (s *Slots) release() { <-s.ch }
