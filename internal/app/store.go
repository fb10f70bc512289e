package app

import (
	"context"
	"time"

	"github.com/handover/handover/internal/state"
)

// Store is what the Service needs of the state store; *state.Store
// satisfies it, and the service tests use a recording fake.
type Store interface {
	BeginRun(ctx context.Context, kind, env string, extraction int, started time.Time) (*state.Run, error)
	FinishRun(ctx context.Context, run *state.Run) error
	Run(ctx context.Context, n int) (*state.Run, error)
	Runs(ctx context.Context, env string) ([]*state.Run, error)
	MarkInterrupted(ctx context.Context) (int, error)

	AddApproval(ctx context.Context, a state.Approval) error
	Approvals(ctx context.Context, run int) ([]state.Approval, error)

	Audit(ctx context.Context, actor, action, detail string, at time.Time) error
	AuditLog(ctx context.Context) ([]state.AuditEntry, error)
	VerifyAudit(ctx context.Context) (int64, error)

	Fact(ctx context.Context, key string) (value string, at time.Time, ok bool, err error)
	SetFact(ctx context.Context, key, value string, at time.Time) error

	Close() error
}

var _ Store = (*state.Store)(nil)
