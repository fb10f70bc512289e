package load

import (
	"context"
	"time"
)

// RunRecord is a run as the environment's own bookkeeping records it. It
// is written in the run's transaction, just before the commit, so that the
// record can never disagree with the data: a run whose process died after
// the commit is found here and recorded as what it was.
type RunRecord struct {
	Migration string
	Run       int
	At        time.Time
	Protocol  []byte // the run's protocol as JSON, with its final status
	AuditHead string // the state store's audit chain head at the commit; "" when unknown
}

// RunRecorder is an optional capability of a Tx (found by type
// assertion): it records the run in the transaction.
type RunRecorder interface {
	RecordRun(ctx context.Context, r RunRecord) error
}

// RunReader is an optional capability of a Target: it reads back a run
// recorded in the environment; nil, nil when there is none.
type RunReader interface {
	RecordedRun(ctx context.Context, migration string, run int) (*RunRecord, error)
	// LatestRun is the newest run of the migration the environment
	// recorded (its AuditHead is the newest chain head the environment
	// knows); nil, nil when there is none.
	LatestRun(ctx context.Context, migration string) (*RunRecord, error)
}

// LockRetry is how often Begin tries the environment's lock again while it
// waits for it.
const LockRetry = 250 * time.Millisecond

// Waiter paces Begin's retries for the lock: Wait reports the holder once
// per change and sleeps, or says that the wait is over.
type Waiter struct {
	opts     Options
	deadline time.Time
	seen     bool
	last     string
}

// NewWaiter starts waiting by opts' LockWait.
func NewWaiter(opts Options) *Waiter {
	return &Waiter{opts: opts, deadline: time.Now().Add(opts.LockWait)}
}

// Wait reports holder and sleeps until the next try; it returns the
// *BusyError (or ctx's error) once the wait is over.
func (w *Waiter) Wait(ctx context.Context, holder string) error {
	left := time.Until(w.deadline)
	if left <= 0 {
		return &BusyError{Env: w.opts.Env, Holder: holder, Waited: w.opts.LockWait}
	}
	if w.opts.OnWait != nil && (!w.seen || holder != w.last) {
		w.opts.OnWait(holder)
	}
	w.seen, w.last = true, holder
	t := time.NewTimer(min(left, LockRetry))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
