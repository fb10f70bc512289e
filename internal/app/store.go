package app

import (
	"context"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/state"
)

// Store is what the Service needs of the state store; *state.Store
// satisfies it, and the service tests use a recording fake.
type Store interface {
	BeginRun(ctx context.Context, nr state.NewRun) (*state.Run, error)
	FinishRun(ctx context.Context, run *state.Run, f state.Finish) error
	Renew(ctx context.Context, run *state.Run) error
	Run(ctx context.Context, n int) (*state.Run, error)
	Runs(ctx context.Context, env string) ([]*state.Run, error)
	Reap(ctx context.Context) (int, error)

	AddApproval(ctx context.Context, a state.Approval, events ...state.OutboxEvent) error
	Approvals(ctx context.Context, run int) ([]state.Approval, error)

	Audit(ctx context.Context, actor, action, detail string, at time.Time) error
	AuditLog(ctx context.Context) ([]state.AuditEntry, error)
	AuditHead(ctx context.Context) (state.Anchor, error)
	VerifyAudit(ctx context.Context, anchors ...state.Anchor) (*state.Verification, error)

	Enqueue(ctx context.Context, events ...state.OutboxEvent) error
	notify.Outbox // ClaimEvents, Delivered, DeliveryFailed

	Fact(ctx context.Context, key string) (value string, at time.Time, ok bool, err error)
	SetFact(ctx context.Context, key, value string, at time.Time) error
	DeleteFact(ctx context.Context, key string) error
	// Claim takes a fact as a lease for up to ttl: of processes claiming
	// it at once on one state store, one gets it (see state.Store.Claim).
	Claim(ctx context.Context, key string, ttl time.Duration) (release func(context.Context) error, ok bool, err error)
	RunsHead(ctx context.Context) (string, error)

	Close() error
}

var _ Store = (*state.Store)(nil)
