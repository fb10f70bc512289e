// Package local serves the server's use cases (server.Service) from the
// projects on this machine, through the application layer (package app):
// each project is held open as an app.Served. Runs are executed by app's
// Check and Import on in-process workers, at most Workers at once, under
// the account that started them.
package local

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/server"
)

// Config is what New needs.
type Config struct {
	Root    string // every directory under it with a handover.yaml is a migration
	Project string // or this one project directory
	App     *app.Service
	// ServerAudit records the entries of no migration (logins).
	ServerAudit func(ctx context.Context, actor, action, detail string) error
	Now         func() time.Time
	Workers     int // runs executing at once (default 2)
	// Slots, when set, are the process's run slots, shared with its River
	// workers (jobs.Slots.Chan): used instead of Workers of their own.
	Slots chan struct{}
	// Enqueue, when set, queues checks, imports and file syncs as jobs
	// (River) instead of executing them on this Service's own workers; it
	// returns the run's number.
	Enqueue func(ctx context.Context, req app.QueueRequest) (int, error)
	// DeliveryLimits override the projects' portal: upload limits (serve
	// --max-file-size, --max-delivery-size); zero fields: the project's.
	DeliveryLimits app.DeliveryLimits
	// Uploader verifies, when New recovers an interrupted upload, that the
	// account its manifest names still may deliver to migration m: the
	// actor to queue its check as, or why not (app.RecoverDeliveriesRequest).
	// nil: recovered checks are queued as the system.
	Uploader func(ctx context.Context, email, m string) (app.Actor, string, error)
}

// Service implements server.Service. Create it with New; Close it.
type Service struct {
	cfg   Config
	slots chan struct{} // one per worker

	mu       sync.Mutex
	projects map[string]*app.Served // by migration name
	order    []string
	waiting  int
	running  map[runKey]*app.Progress
	cache    map[string]*cached // summaries by migration
	wg       sync.WaitGroup
	base     context.Context
	cancel   context.CancelFunc
}

type runKey struct {
	m string
	n int
}

var _ server.Service = (*Service)(nil)

// New discovers the projects and opens them.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 2
	}
	slots := cfg.Slots
	if slots == nil {
		slots = make(chan struct{}, cfg.Workers)
	}
	s := &Service{cfg: cfg, slots: slots, projects: map[string]*app.Served{}, running: map[runKey]*app.Progress{}, cache: map[string]*cached{}}
	s.base, s.cancel = context.WithCancel(context.Background())
	dirs, err := discover(cfg.Root, cfg.Project)
	if err != nil {
		return nil, err
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("no project under %s: no directory holds a %s", cfg.Root, project.ConfigFile)
	}
	for _, d := range dirs {
		sv, err := cfg.App.Serve(ctx, d)
		if err != nil {
			s.closeAll()
			return nil, fmt.Errorf("serve %s: %w", d, err)
		}
		p, _ := sv.Project()
		if other, dup := s.projects[p.Migration]; dup {
			sv.Close()
			s.closeAll()
			return nil, fmt.Errorf("two projects are migration %q: %s and %s", p.Migration, other.Dir(), d)
		}
		s.projects[p.Migration] = sv
		s.order = append(s.order, p.Migration)
	}
	sort.Strings(s.order)
	if err := s.recoverDeliveries(ctx); err != nil {
		s.Close(0)
		return nil, err
	}
	return s, nil
}

// recoverDeliveries queues the checks of uploads a killed server stored
// but did not queue (app.RecoverDeliveries), on this Service's run queue,
// as their uploaders where Uploader verifies them.
func (s *Service) recoverDeliveries(ctx context.Context) error {
	for _, m := range s.order {
		sv := s.projects[m]
		req := app.RecoverDeliveriesRequest{Project: sv.Dir(), Queue: runQueue{s, m, sv}}
		if s.cfg.Uploader != nil {
			req.Uploader = func(ctx context.Context, email string) (app.Actor, string, error) {
				return s.cfg.Uploader(ctx, email, m)
			}
		}
		if _, err := s.cfg.App.RecoverDeliveries(ctx, req); err != nil {
			return fmt.Errorf("serve %s: %w", sv.Dir(), err)
		}
	}
	return nil
}

// discover lists the project directories: dir itself, or every project
// under root (project.Discover, as the workers of serve find them).
func discover(root, dir string) ([]string, error) {
	if dir != "" {
		d, err := project.ResolveDir(dir)
		if err != nil {
			return nil, err
		}
		return []string{d}, nil
	}
	return project.Discover(root)
}

// Serves reports whether migration m is served.
func (s *Service) Serves(m string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.projects[m]
	return ok
}

// served returns migration m.
func (s *Service) served(m string) (*app.Served, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sv, ok := s.projects[m]
	if !ok {
		return nil, server.ErrNotFound
	}
	return sv, nil
}

// QueueDepth is the number of runs waiting for a worker.
func (s *Service) QueueDepth() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waiting
}

// Close waits up to grace for running runs, cancels the rest (their
// environments roll back: all or nothing) and closes the stores.
func (s *Service) Close(grace time.Duration) error {
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(grace):
		s.cancel()
		<-done
	}
	s.cancel()
	return s.closeAll()
}

func (s *Service) closeAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for _, sv := range s.projects {
		errs = append(errs, sv.Close())
	}
	return errors.Join(errs...)
}
