// Package usecase is the contract between the front ends and the
// application layer: the Service interface with one method per use case,
// its typed requests and results, and the refusals. The command line
// depends on this package only; cmd/handover wires the concrete
// application layer (internal/app) to it.
//
// During the move of the request and result types out of internal/app the
// names below are aliases of app's; front ends use them from here, so that
// the move changes no front end.
package usecase

import (
	"context"
	"io"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/explain"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipetest"
	"github.com/handover/handover/internal/replay"
)

// Service is the application layer as a front end sees it: one method per
// use case, each taking a request that names the actor. *app.Service
// implements it.
type Service interface {
	Receive(ctx context.Context, req ReceiveRequest) (*extract.Extraction, error)
	Check(ctx context.Context, req CheckRequest) (*RunResult, error)
	Import(ctx context.Context, req ImportRequest) (*RunResult, error)
	Diff(ctx context.Context, req DiffRequest) (*RunResult, error)
	Fixup(ctx context.Context, req FixupRequest) (*RunResult, error)
	FilesSync(ctx context.Context, req FilesSyncRequest) (*FilesSyncResult, error)
	FilesVerify(ctx context.Context, req FilesVerifyRequest) (*FilesVerifyResult, error)
	SignOff(ctx context.Context, req SignOffRequest) (*SignOffResult, error)
	Freeze(ctx context.Context, req ConfirmRequest) (*ConfirmResult, error)
	Confirm(ctx context.Context, req ConfirmRequest) (*ConfirmResult, error)
	Runbook(ctx context.Context, req RunbookRequest) (*RunbookResult, error)
	Status(ctx context.Context, req StatusRequest) (*Status, error)
	Runs(ctx context.Context, req RunsRequest) ([]*Run, error)
	Show(ctx context.Context, req ShowRequest) (*ShowResult, error)
	OpenArtifact(ctx context.Context, req ArtifactRequest) (io.ReadCloser, error)
	Audit(ctx context.Context, req AuditRequest) (*AuditResult, error)
	Test(ctx context.Context, req TestRequest) (*recipetest.Report, error)
	Explain(ctx context.Context, req ExplainRequest) (*explain.Explanation, error)
	Replay(ctx context.Context, req ReplayRequest) (*replay.Result, error)
	DiffRuns(ctx context.Context, req DiffRunsRequest) (*replay.RunDiff, error)
	RunRecipes(ctx context.Context, req RunRecipesRequest) (*RunRecipes, error)

	// Queue records a queued run and hands it to q; Execute runs one a
	// worker claimed.
	Queue(ctx context.Context, req QueueRequest, q Enqueuer) (*QueuedRun, error)
	Execute(ctx context.Context, r QueuedRun) (*RunResult, error)

	// Project loads the project in dir; StateDSN is its state store.
	Project(dir string) (*project.Project, error)
	StateDSN(p *project.Project) string
}

// Config is what a front end chooses of the application layer for one
// command: the version written into protocols, the clock, the process
// environment, the state store DSN and the test hooks.
type Config struct {
	Version string
	Now     func() time.Time
	Getenv  func(string) string
	State   string // empty: $HANDOVER_STATE, else SQLite in the project's .handover/
	Hooks   Hooks
}

// New builds a Service for a Config; cmd/handover supplies it.
type New func(Config) Service

// Requests, results and refusals (aliases during the move out of app).
type (
	Actor              = app.Actor
	Approval           = app.Approval
	ArtifactRequest    = app.ArtifactRequest
	AuditEntry         = app.AuditEntry
	AuditProblem       = app.AuditProblem
	AuditRequest       = app.AuditRequest
	AuditResult        = app.AuditResult
	CheckRequest       = app.CheckRequest
	ClaimError         = app.ClaimError
	ConfirmRequest     = app.ConfirmRequest
	ConfirmResult      = app.ConfirmResult
	CountersignRequest = app.CountersignRequest
	DeliveryLimits     = app.DeliveryLimits
	DiffRequest        = app.DiffRequest
	DiffRunsRequest    = app.DiffRunsRequest
	Enqueuer           = app.Enqueuer
	EnvStatus          = app.EnvStatus
	ExplainRequest     = app.ExplainRequest
	FilesSyncRequest   = app.FilesSyncRequest
	FilesSyncResult    = app.FilesSyncResult
	FilesVerifyRequest = app.FilesVerifyRequest
	FilesVerifyResult  = app.FilesVerifyResult
	FixupRequest       = app.FixupRequest
	Hooks              = app.Hooks
	ImportRequest      = app.ImportRequest
	LockWait           = app.LockWait
	Progress           = app.Progress
	Promotion          = app.Promotion
	QueueRequest       = app.QueueRequest
	QueuedRun          = app.QueuedRun
	ReceiveRequest     = app.ReceiveRequest
	Refusal            = app.Refusal
	ReplayRequest      = app.ReplayRequest
	Run                = app.Run
	RunRecipes         = app.RunRecipes
	RunRecipesRequest  = app.RunRecipesRequest
	RunResult          = app.RunResult
	Runbook            = app.Runbook
	RunbookRequest     = app.RunbookRequest
	RunbookResult      = app.RunbookResult
	RunsRequest        = app.RunsRequest
	ShowRequest        = app.ShowRequest
	ShowResult         = app.ShowResult
	SignOffRequest     = app.SignOffRequest
	SignOffResult      = app.SignOffResult
	Status             = app.Status
	StatusRequest      = app.StatusRequest
	TestRequest        = app.TestRequest
)

// StatusQueued is the status of a run waiting for a worker.
const StatusQueued = app.StatusQueued

// DefaultLockTimeout is how long a run waits for an environment's lock
// when its request does not say.
const DefaultLockTimeout = app.DefaultLockTimeout

// LocalActor is who runs handover on this machine: $HANDOVER_USER, else
// the OS user name, unauthenticated.
func LocalActor(getenv func(string) string) Actor { return app.LocalActor(getenv) }

// IsInvalid reports whether err is a problem of the request or the
// project's configuration (the command line exits with 2).
func IsInvalid(err error) bool { return app.IsInvalid(err) }

// ParseSize reads a size such as 200MB or 2GiB.
func ParseSize(s string) (int64, error) { return app.ParseSize(s) }

// DescribeApproval renders a sign-off: who, in which role, when, how.
func DescribeApproval(ap Approval) string { return app.DescribeApproval(ap) }

// Relative names a day relative to J: "J-7", "J", "J+2".
func Relative(offset int) string { return app.Relative(offset) }

// DaysTo is the number of calendar days from today to day.
func DaysTo(today, day time.Time) int { return app.DaysTo(today, day) }

// Where is "import into dev" or "check".
func Where(kind, env string) string { return app.Where(kind, env) }

// ServeConfig is what handover serve chooses of the web server's backend:
// the projects served (every directory under Root with a handover.yaml, or
// the one Project), the audit of entries of no migration, the clock, the
// in-process workers, how runs are queued (nil: on those workers) and the
// upload limits that override the projects' own.
type ServeConfig struct {
	Root           string
	Project        string
	ServerAudit    func(ctx context.Context, actor, action, detail string) error
	Now            func() time.Time
	Workers        int
	Enqueue        func(ctx context.Context, req QueueRequest) (int, error)
	DeliveryLimits DeliveryLimits
}
