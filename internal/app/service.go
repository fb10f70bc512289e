package app

import (
	"context"
	"os/user"
	"strings"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/state"
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

// Hooks are test hooks; nil in production.
type Hooks struct {
	// AfterCommit runs right after an environment's transaction committed,
	// before anything else is recorded (a test kills the process here).
	AfterCommit func()
}

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

// Actor is who asks for a use case: an account of the web front end, or on
// the command line the OS user (unauthenticated).
type Actor struct {
	Name          string
	Authenticated bool   // the front end verified who this is (a login, a token)
	Account       string // the account's id, when there is one
}

// String is the actor's name as the audit log records it.
func (a Actor) String() string {
	if n := strings.TrimSpace(a.Name); n != "" {
		return n
	}
	return "unknown"
}

// LocalActor is the command line's actor: $HANDOVER_USER, else the OS
// user, unauthenticated.
func LocalActor(getenv func(string) string) Actor {
	if u := strings.TrimSpace(getenv("HANDOVER_USER")); u != "" {
		return Actor{Name: u}
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return Actor{Name: u.Username}
	}
	return Actor{Name: "unknown"}
}
