package app

import (
	"context"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

// Config is what a Service is built from. Every field is optional; the
// zero value gives the production dependencies with an empty environment.
type Config struct {
	Version string              // written into every protocol
	Now     func() time.Time    // the clock; time.Now when nil
	Getenv  func(string) string // the process environment (${VAR} in handover.yaml, HANDOVER_STATE, S3 keys)
	// State is the state store DSN; empty: $HANDOVER_STATE, else SQLite in
	// the project's .handover/.
	State string

	// LeaseTTL is the lease a run holds in the state store, renewed every
	// third of it while the run executes; state.DefaultLeaseTTL when 0.
	LeaseTTL time.Duration
	// ProgressEvery is how often a running run's counters are written to
	// the state store for other processes' front ends; progressEvery when 0.
	ProgressEvery time.Duration
	// Memory is each run's memory budget in bytes, handed to the engine
	// and the environment's loader (past shares of it their key indexes
	// spill to disk): the process's budget divided by the runs it executes
	// at once — never the process's soft memory limit, which concurrent
	// runs share. 0: no budget.
	Memory int64

	// OpenState opens the state store; state.Open when nil.
	OpenState func(ctx context.Context, dsn string, opts state.Options) (Store, error)
	// OpenEnv opens an environment's database; targets.Open when nil.
	OpenEnv func(ctx context.Context, dsn string, opts load.Options) (load.Target, error)
	// Drain delivers the events waiting in the outbox to the webhooks and
	// returns the failures, one sentence each; a notify.Sender that waits
	// at most a few seconds when nil.
	Drain func(ctx context.Context, out notify.Outbox, hooks []notify.Webhook) []string

	Hooks Hooks
}

type Hooks = usecase.Hooks

// Service is handover's application layer: one method per use case. It
// never prints; front ends render its results. It is safe for concurrent
// use.
type Service struct {
	cfg Config
}

// New returns a Service built from cfg.
func New(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Getenv == nil {
		cfg.Getenv = func(string) string { return "" }
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = state.DefaultLeaseTTL
	}
	if cfg.OpenState == nil {
		cfg.OpenState = func(ctx context.Context, dsn string, opts state.Options) (Store, error) {
			return state.Open(ctx, dsn, opts)
		}
	}
	if cfg.OpenEnv == nil {
		cfg.OpenEnv = targets.Open
	}
	if cfg.Drain == nil {
		cfg.Drain = drainOutbox(cfg.Version, cfg.Now)
	}
	return &Service{cfg: cfg}
}

func (s *Service) now() time.Time { return s.cfg.Now() }

type Actor = usecase.Actor

// LocalActor is the command line's actor: $HANDOVER_USER, else the OS
// user, unauthenticated.
func LocalActor(getenv func(string) string) Actor { return usecase.LocalActor(getenv) }
