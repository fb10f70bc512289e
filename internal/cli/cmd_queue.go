package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/jobs"
	"github.com/handover/handover/internal/protocol"
	svc "github.com/handover/handover/internal/usecase"
)

const timeoutHelp = "with --queue: the run's time limit on the worker (default: the worker's --job-timeout)"

// noTimeoutAlone refuses --timeout without --queue: a run in-process has
// no time limit.
func noTimeoutAlone(queue bool, timeout time.Duration) error {
	if timeout != 0 && !queue {
		return usageErr("--timeout goes with --queue")
	}
	return nil
}

// jobQueue hands queued runs to River (an app.Enqueuer).
type jobQueue struct{ q *jobs.Queue }

func (j jobQueue) Enqueue(ctx context.Context, r svc.QueuedRun) error {
	return j.q.Enqueue(ctx, toArgs(r))
}

func toArgs(r svc.QueuedRun) jobs.RunArgs {
	return jobs.RunArgs{Migration: r.Migration, Project: r.Project, Run: r.Run, RunKind: r.Kind, Env: r.Env,
		Extraction: r.Extraction, Actor: r.Actor, DryRun: r.DryRun, Force: r.Force, Reason: r.Reason,
		Prefix: r.Prefix, Delete: r.Delete, Parallel: r.Parallel, TimeoutSeconds: r.Timeout}
}

func fromArgs(a jobs.RunArgs) svc.QueuedRun {
	return svc.QueuedRun{Migration: a.Migration, Project: a.Project, Run: a.Run, Kind: a.RunKind, Env: a.Env,
		Extraction: a.Extraction, Actor: a.Actor, DryRun: a.DryRun, Force: a.Force, Reason: a.Reason,
		Prefix: a.Prefix, Delete: a.Delete, Parallel: a.Parallel, Timeout: a.TimeoutSeconds}
}

// openQueue opens River on the project's state store.
func (a *app) openQueue(ctx context.Context, s svc.Service, dir string) (*jobs.Queue, string, error) {
	p, err := s.Project(dir)
	if err != nil {
		return nil, "", err
	}
	q, err := jobs.Open(ctx, s.StateDSN(p))
	return q, p.Migration, err
}

// enqueue queues a run for a worker and prints "run N queued".
func (a *app) enqueue(ctx context.Context, req svc.QueueRequest) error {
	if req.Timeout < 0 {
		return usageErr("--timeout must not be negative")
	}
	s := a.service()
	q, _, err := a.openQueue(ctx, s, a.dir)
	if err != nil {
		return err
	}
	defer q.Close()
	req.Actor, req.Project = a.actor(), a.dir
	qr, err := s.Queue(ctx, req, jobQueue{q})
	if err != nil {
		return err
	}
	if a.json {
		return a.printJSON(map[string]any{"run": qr.Run, "status": svc.StatusQueued})
	}
	fmt.Fprintf(a.stdout, "run %d queued\n", qr.Run)
	return nil
}

func (a *app) waitCommand() *cobra.Command {
	var every time.Duration
	cmd := &cobra.Command{
		Use:   "wait RUN...",
		Short: "Wait until queued runs finish; exit with the worst run's exit code",
		Long: `wait blocks until each named run has finished (runs queued with --queue are
executed by handover worker), prints each run's outcome, and exits with the
worst run's exit code: 0 all succeeded, 3 a quality gate failed, 1 a run
failed or was interrupted for good, 2 a run that does not exist.
A run whose worker died is not finished while its job waits to be retried.`,
		Example: `  handover import --env dev --queue        # prints: run 7 queued
  handover wait 7
  handover wait 7 8 9 --json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.wait(cmd.Context(), args, every)
		},
	}
	cmd.Flags().DurationVar(&every, "poll", 200*time.Millisecond, "how often to look at the runs")
	return cmd
}

// handOverTime bounds the time between a run being recorded as queued
// and its job being in the queue.
const handOverTime = 10 * time.Second

// waited is one run's outcome as wait reports it.
type waited struct {
	Run    int    `json:"run"`
	Status string `json:"status"`
	Exit   int    `json:"exit"`
	Error  string `json:"error,omitempty"`
}

func (a *app) wait(ctx context.Context, args []string, every time.Duration) error {
	nums := make([]int, len(args))
	for i, s := range args {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return usageErr("run %q is not a run number", s)
		}
		nums[i] = n
	}
	s := a.service()
	q, migration, err := a.openQueue(ctx, s, a.dir)
	if err != nil {
		return err
	}
	defer q.Close()
	done, err := a.waitRuns(ctx, s, q, migration, nums, every)
	if err != nil {
		return err
	}
	out := make([]waited, len(nums))
	worst := exitOK
	for i, n := range nums {
		out[i] = done[n]
		if !a.json {
			fmt.Fprintf(a.stdout, "run %d %s\n", n, out[i].Status)
		}
		worst = worse(worst, out[i].Exit)
	}
	if a.json {
		if err := a.printJSON(map[string]any{"runs": out, "exit": worst}); err != nil {
			return err
		}
	}
	switch worst {
	case exitOK:
		return nil
	case exitGate:
		return errGateFailed
	}
	return &exitError{code: worst, err: errors.New(waitSummary(out, worst))}
}

// waitRuns looks at the runs every interval (one read of the state store
// and one of the job queue for all of them) until each has finished.
func (a *app) waitRuns(ctx context.Context, s svc.Service, q *jobs.Queue, migration string, nums []int, every time.Duration) (map[int]waited, error) {
	done := map[int]waited{}
	for {
		if err := a.lookAtRuns(ctx, s, q, migration, nums, done); err != nil {
			return nil, err
		}
		if len(done) == len(uniq(nums)) {
			return done, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
}

// lookAtRuns adds to done the runs of nums that have finished. A queued or
// interrupted run has finished when no job is left to execute it; as a
// worker may have finished it since it was read, it is read again then.
func (a *app) lookAtRuns(ctx context.Context, s svc.Service, q *jobs.Queue, migration string, nums []int, done map[int]waited) error {
	runs, err := s.Runs(ctx, svc.RunsRequest{Actor: a.actor(), Project: a.dir})
	if err != nil {
		return err
	}
	byNumber := map[int]*svc.Run{}
	for _, r := range runs {
		byNumber[r.Number] = r
	}
	var pending map[int]bool
	for _, n := range nums {
		r := byNumber[n]
		if _, ok := done[n]; ok || r != nil && r.Status == protocol.StatusRunning {
			continue
		}
		if r == nil {
			done[n] = waited{Run: n, Status: "unknown", Exit: exitUsage, Error: fmt.Sprintf("run %d does not exist", n)}
			continue
		}
		if r.Status != svc.StatusQueued && r.Status != protocol.StatusInterrupted {
			done[n] = settled(r)
			continue
		}
		if pending == nil {
			if pending, err = q.Pending(ctx, migration); err != nil {
				return err
			}
		}
		if pending[n] {
			continue
		}
		res, err := s.Show(ctx, svc.ShowRequest{Actor: a.actor(), Project: a.dir, Run: n})
		if err != nil {
			return err
		}
		// A run queued a moment ago may not have its job yet: Queue records
		// the run, then hands it over.
		justQueued := res.Run.Status == svc.StatusQueued && time.Since(res.Run.Queued) < handOverTime
		if res.Run.Status != protocol.StatusRunning && !justQueued {
			done[n] = settled(res.Run)
		}
	}
	return nil
}

func uniq(nums []int) map[int]bool {
	m := map[int]bool{}
	for _, n := range nums {
		m[n] = true
	}
	return m
}

// settled is the outcome of a run that is not running; a run still
// queued or interrupted once no job is left to execute it failed.
func settled(r *svc.Run) waited {
	w := waited{Run: r.Number, Status: r.Status}
	if r.Protocol != nil {
		w.Error = r.Protocol.Error
	}
	switch r.Status {
	case protocol.StatusSucceeded:
	case protocol.StatusGateFailed:
		w.Exit = exitGate
	default:
		w.Exit = exitFailed
	}
	if r.Status == svc.StatusQueued {
		w.Error = "no worker job is left for this run (its attempts ran out)"
	}
	return w
}

// worse is the worse of two exit codes: 2 (unknown run) over 1 (failed)
// over 3 (gate failed) over 0.
func worse(a, b int) int {
	rank := map[int]int{exitOK: 0, exitGate: 1, exitFailed: 2, exitUsage: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func waitSummary(out []waited, code int) string {
	for _, w := range out {
		if w.Exit == code {
			if w.Error != "" {
				return fmt.Sprintf("run %d %s: %s", w.Run, w.Status, w.Error)
			}
			return fmt.Sprintf("run %d %s", w.Run, w.Status)
		}
	}
	return "a run did not succeed"
}
