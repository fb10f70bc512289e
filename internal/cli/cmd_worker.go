package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"sync"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/handover/handover/internal/jobs"
	"github.com/handover/handover/internal/project"
	svc "github.com/handover/handover/internal/usecase"
)

// workerConfig is what handover worker was asked.
type workerConfig struct {
	root        string
	stopTimeout time.Duration
	serve       jobs.ServeConfig
}

func (a *app) workerCommand() *cobra.Command {
	var wc workerConfig
	cmd := &cobra.Command{
		Use:   "worker [--concurrency N]",
		Short: "Execute queued runs (check, import, files sync --queue) on this machine",
		Long: `worker executes the runs queued with --queue (handover check --queue, import
--queue, files sync --queue) of the project in -C DIR, or with --root DIR of
every project under DIR, at any depth (a directory holding handover.yaml;
not inside another project or a hidden directory). Start workers on
any machine that reaches the state store (--state, HANDOVER_STATE; a
PostgreSQL one for several machines), the artifact store (artifacts: in
handover.yaml, an S3 bucket for several machines: the extractions, and where
the runs' protocol, report and rejects go) and the environments.
Imports into one environment still run one at a time (the environment's lock).

--concurrency N is the runs the process executes at once, over all the
projects it serves: a run queued while N run waits for one to end (it keeps
its attempts, and its --job-timeout starts when it runs; another worker may
take it meanwhile), and the runs of one project start in queue order.
The process keeps to --memory (or HANDOVER_MEMORY, default 256MiB), and its
runs share it: each run's budget is --memory divided by --concurrency
(printed at start), however many projects are served, and past parts of
its share a run's key indexes spill to disk.

A run that exceeds --job-timeout fails and is rolled back. When a worker dies
mid-run, its run's transaction is rolled back and, --rescue-after after the
run started, another worker executes it again. SIGTERM or Ctrl-C stops taking
runs and waits for the running ones (at most --stop-timeout); a second signal
stops at once, and the running runs are rolled back and retried elsewhere.`,
		Example: `  handover worker
  handover worker --concurrency 4
  handover worker --root /srv/migrations --state postgres://handover@db/handover
  handover worker --job-timeout 2h --rescue-after 2h5m`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if wc.serve.Concurrency < 1 {
				return usageErr("--concurrency must be at least 1")
			}
			if wc.serve.RescueAfter != 0 && wc.serve.RescueAfter < wc.serve.JobTimeout {
				return usageErr("--rescue-after must be at least --job-timeout")
			}
			return a.work(cmd.Context(), wc)
		},
	}
	f := cmd.Flags()
	f.IntVarP(&wc.serve.Concurrency, "concurrency", "n", 1, "runs executed at once by this process, over all its projects")
	f.StringVar(&wc.root, "root", "", "serve every project under DIR, at any depth")
	f.DurationVar(&wc.serve.JobTimeout, "job-timeout", jobs.DefaultJobTimeout, "a run's time limit")
	f.DurationVar(&wc.serve.RescueAfter, "rescue-after", 0, "retry a dead worker's run this long after it started (default: job timeout + 1m)")
	f.DurationVar(&wc.stopTimeout, "stop-timeout", 0, "on SIGTERM, wait at most this long for running runs (0: until they finish)")
	return cmd
}

// work serves the queued runs of the worker's projects until a signal.
func (a *app) work(ctx context.Context, wc workerConfig) error {
	groups, err := a.servedProjects(wc.root)
	if err != nil {
		return err
	}
	hard, cancelHard := a.hardStop(ctx, wc.stopTimeout)
	defer cancelHard()
	var mu sync.Mutex
	wc.serve.Log = func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(a.stdout, "%s %s\n", time.Now().UTC().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	// one bound for the process, over every state store's projects
	wc.serve.Slots = jobs.NewSlots(wc.serve.Concurrency)
	a.shareMemory(wc.serve.Concurrency, func(s string) { wc.serve.Log("%s", s) })
	host, _ := os.Hostname()
	errs := make(chan error, len(groups))
	for dsn, projects := range groups {
		q, err := jobs.Open(ctx, dsn)
		if err != nil {
			return err
		}
		defer q.Close()
		cfg := wc.serve
		exec := &runExecutor{s: a.service(), projects: map[string]string{}}
		for _, p := range projects {
			exec.projects[p.Migration] = p.Dir
			cfg.Migrations = append(cfg.Migrations, p.Migration)
		}
		sort.Strings(cfg.Migrations)
		wc.serve.Log("worker %s (pid %d) serving %v, %d at once in this process", host, os.Getpid(), cfg.Migrations, cfg.Concurrency)
		go func() { errs <- q.Serve(ctx, hard, exec, cfg) }()
	}
	var first error
	for range groups {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}

// hardStop is done after a second SIGINT/SIGTERM, or stopTimeout after ctx
// (the first signal) is done.
func (a *app) hardStop(ctx context.Context, stopTimeout time.Duration) (context.Context, func()) {
	hard, cancel := context.WithCancel(context.WithoutCancel(ctx))
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		defer signal.Stop(sigs)
		n := 0
		var timeout <-chan time.Time
		for {
			select {
			case <-hard.Done():
				return
			case <-sigs:
				if n++; n >= 2 {
					cancel()
				}
			case <-ctx.Done():
				if stopTimeout > 0 && timeout == nil {
					timeout = time.After(stopTimeout)
				}
				ctx = context.Background() // seen
			case <-timeout:
				cancel()
			}
		}
	}()
	return hard, cancel
}

// servedProjects loads the project in -C, or with root every project under
// root at any depth (project.Discover: the projects serve's dashboard
// shows), grouped by state store DSN.
func (a *app) servedProjects(root string) (map[string][]*project.Project, error) {
	dirs := []string{a.dir}
	if root != "" {
		if _, err := os.Stat(root); err != nil {
			return nil, usageErr("--root: %w", err)
		}
		var err error
		if dirs, err = project.Discover(root); err != nil {
			return nil, usageErr("--root: %w", err)
		}
	}
	s := a.service()
	groups := map[string][]*project.Project{}
	seen := map[string]string{}
	for _, d := range dirs {
		p, err := s.Project(d)
		if err != nil {
			return nil, err
		}
		if other, dup := seen[p.Migration]; dup {
			return nil, usageErr("projects %s and %s have the same migration: %q", other, p.Dir, p.Migration)
		}
		seen[p.Migration] = p.Dir
		dsn := s.StateDSN(p)
		groups[dsn] = append(groups[dsn], p)
	}
	if len(groups) == 0 {
		return nil, usageErr("no project (%s) in %s or its subdirectories", project.ConfigFile, root)
	}
	return groups, nil
}

// runExecutor executes queued runs through the application layer, as the
// project's own handover would in-process.
type runExecutor struct {
	s        svc.Service
	projects map[string]string // migration → project directory on this machine
}

// retryHeld is how long a job waits before it looks again at a run that
// another live worker holds.
const retryHeld = 5 * time.Second

func (e *runExecutor) Execute(ctx context.Context, args jobs.RunArgs) error {
	dir, ok := e.projects[args.Migration]
	if !ok {
		return fmt.Errorf("this worker does not serve migration %q", args.Migration)
	}
	r := fromArgs(args)
	r.Project = dir
	res, err := e.s.Execute(ctx, r)
	var claim *svc.ClaimError
	switch {
	case errors.As(err, &claim) && claim.Finished():
		return fmt.Errorf("%w: %v", jobs.ErrFinished, claim)
	case errors.As(err, &claim):
		return &jobs.HeldError{Err: claim, Retry: retryHeld}
	case err == nil, res != nil, svc.IsInvalid(err):
		return nil // the run's outcome is recorded, a failure too
	}
	return err // nothing recorded: River tries again
}
