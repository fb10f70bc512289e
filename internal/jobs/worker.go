package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Executor executes one queued run: it claims the run in the state store,
// runs it to its end and records the outcome. It returns nil once the run
// is recorded, whatever its outcome (a failed run is a result, not a job
// to retry); ErrFinished when the run had already finished (a retried job
// does nothing); a *HeldError when another live process runs it; any
// other error when the run could not be executed and should be tried
// again.
type Executor interface {
	Execute(ctx context.Context, args RunArgs) error
}

// ErrFinished is matched (errors.Is) by an Executor's error for a run that
// has already finished.
var ErrFinished = errors.New("run already finished")

// HeldError is an Executor's error for a run that another live process is
// executing: the job is tried again after Retry.
type HeldError struct {
	Err   error
	Retry time.Duration
}

func (e *HeldError) Error() string { return e.Err.Error() }
func (e *HeldError) Unwrap() error { return e.Err }

// ServeConfig says how a worker runs jobs.
type ServeConfig struct {
	Migrations []string // the migrations whose runs this worker executes
	// Concurrency is how many runs execute at once in this Serve, over all
	// its migrations; 1 when 0. Ignored when Slots is set.
	Concurrency int
	// Slots, when set, bounds the runs at once across every Serve of the
	// process (several state stores): NewSlots(Concurrency) when nil.
	Slots *Slots
	// SlotRetry is how soon a job that found no free slot asks again;
	// DefaultSlotRetry when 0.
	SlotRetry  time.Duration
	JobTimeout time.Duration // a run's time limit (a run may carry a shorter one); DefaultJobTimeout when 0
	// RescueAfter is how long after a run started River waits before it
	// takes the job of a worker that died for lost and retries it
	// elsewhere; at least JobTimeout (which it defaults to, plus a minute).
	RescueAfter time.Duration
	Log         func(format string, args ...any) // progress lines; nil: none
}

// fetchCooldown is the least time between two fetches of a worker.
const fetchCooldown = 10 * time.Millisecond

// DefaultSlotRetry is how soon a job that found every slot of its process
// taken asks again: a run waits at most about this long after one ends.
const DefaultSlotRetry = time.Second

// DefaultJobTimeout is a run's time limit unless the worker sets one.
const DefaultJobTimeout = time.Hour

func (c ServeConfig) withDefaults() ServeConfig {
	c.Concurrency = max(c.Concurrency, 1)
	if c.JobTimeout <= 0 {
		c.JobTimeout = DefaultJobTimeout
	}
	if c.RescueAfter < c.JobTimeout {
		c.RescueAfter = c.JobTimeout + time.Minute
	}
	if c.Log == nil {
		c.Log = func(string, ...any) {}
	}
	if c.Slots == nil {
		c.Slots = NewSlots(c.Concurrency)
	}
	c.Concurrency = c.Slots.Size()
	if c.SlotRetry <= 0 {
		c.SlotRetry = DefaultSlotRetry
	}
	return c
}

// Serve executes the queued runs of cfg.Migrations until ctx is done,
// then stops gracefully: it takes no new job and waits for the running
// ones to finish. When hard is done first, it returns at once with an
// error; the caller then exits, which rolls back the running runs'
// transactions, and River retries their jobs on another worker.
func (q *Queue) Serve(ctx, hard context.Context, exec Executor, cfg ServeConfig) error {
	cfg = cfg.withDefaults()
	if len(cfg.Migrations) == 0 {
		return errors.New("serve: no migration to serve")
	}
	workers := river.NewWorkers()
	if err := river.AddWorkerSafely(workers, &runWorker{exec: exec, log: cfg.Log, slots: cfg.Slots, retry: cfg.SlotRetry}); err != nil {
		return err
	}
	queues := map[string]river.QueueConfig{}
	for _, m := range cfg.Migrations {
		// A queue per migration routes its runs to the workers that have
		// its project; no migration runs more at once than the process.
		queues[QueueName(m)] = river.QueueConfig{MaxWorkers: cfg.Concurrency}
	}
	c, err := q.backend.newClient(&river.Config{
		Logger: q.logger, Schema: schemaOf(q.backend), Queues: queues, Workers: workers,
		JobTimeout: cfg.JobTimeout, RescueStuckJobsAfter: cfg.RescueAfter, MaxAttempts: maxAttempts,
		// A worker takes its next run 10 ms after the last one ended, not
		// River's default 100 ms: runs are few and long, latency counts.
		FetchPollInterval: q.backend.pollInterval(), FetchCooldown: fetchCooldown,
	})
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	// Running runs are never cancelled from here: a hard stop leaves them to
	// the process's exit, which rolls them back, and to River's retry.
	if err := c.Start(context.WithoutCancel(hard)); err != nil {
		return fmt.Errorf("serve: start: %w", err)
	}
	<-ctx.Done()
	cfg.Log("stopping: waiting for running runs to finish (signal again to stop at once)")
	if err := c.Stop(hard); err != nil {
		return fmt.Errorf("stopped before the running runs finished; they are rolled back and retried by another worker: %w", err)
	}
	return nil
}

// runWorker is River's worker for run jobs.
type runWorker struct {
	river.WorkerDefaults[RunArgs]
	exec  Executor
	log   func(format string, args ...any)
	slots *Slots
	retry time.Duration // a job without a slot asks again after it
}

// Timeout is the run's own time limit, or the worker's (0).
func (w *runWorker) Timeout(job *river.Job[RunArgs]) time.Duration { return job.Args.timeout() }

func (w *runWorker) Work(ctx context.Context, job *river.Job[RunArgs]) error {
	a := job.Args
	if err := a.Validate(); err != nil {
		return river.JobCancel(err)
	}
	ok, first := w.slots.take(a.Migration, job.ID, time.Now(), 3*w.retry+time.Second)
	if !ok {
		// Snoozed, not waited for here: the job's time limit has not
		// started, River gives its attempt back, and another worker
		// with a free slot may take it meanwhile.
		if first {
			w.log("run %d of %s (%s) waits: %d run(s) at once in this process", a.Run, a.Migration, a.RunKind, w.slots.Size())
		}
		return river.JobSnooze(w.retry)
	}
	defer w.slots.release()
	w.log("run %d of %s (%s) started, attempt %d", a.Run, a.Migration, a.RunKind, job.Attempt)
	err := w.exec.Execute(ctx, a)
	var held *HeldError
	switch {
	case err == nil:
		w.log("run %d of %s finished", a.Run, a.Migration)
		return nil
	case errors.Is(err, ErrFinished):
		w.log("run %d of %s had already finished: nothing to do", a.Run, a.Migration)
		return nil
	case errors.As(err, &held):
		w.log("run %d: %v; trying again in %s", a.Run, held, held.Retry)
		return river.JobSnooze(held.Retry)
	}
	w.log("run %d could not run (attempt %d of %d): %v", a.Run, job.Attempt, job.MaxAttempts, err)
	return err
}

// argsRun is the run number in a job's encoded arguments, 0 if none.
func argsRun(encoded []byte) int {
	var a struct {
		Run int `json:"run"`
	}
	if json.Unmarshal(encoded, &a) != nil {
		return 0
	}
	return a.Run
}
