// Package usecase is the contract between the front ends and the
// application layer: the Service interface with one method per use case,
// its typed requests and results, and the refusals. The command line
// depends on this package only; cmd/handover wires the concrete
// application layer (internal/app) to it.
//
// The types are defined here and aliased in internal/app; the package
// imports none of the business logic (load, engine, state, promote,
// notify, runbook), so neither does a front end built on it.
package usecase

import (
	"context"
	"errors"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/handover/handover/internal/explain"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipetest"
	"github.com/handover/handover/internal/record"
	"github.com/handover/handover/internal/replay"
	"github.com/handover/handover/internal/sheet"
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
// environment, the state store DSN, each run's memory budget and the test
// hooks.
type Config struct {
	Version string
	Now     func() time.Time
	Getenv  func(string) string
	State   string // empty: $HANDOVER_STATE, else SQLite in the project's .handover/
	// Memory is each run's memory budget in bytes: the process's budget
	// divided by the runs it executes at once; 0: none.
	Memory int64
	Hooks  Hooks
}

// New builds a Service for a Config; cmd/handover supplies it.
type New func(Config) Service

// The state store's records and the runbook, as the front ends see them.
type (
	// Run is one recorded run.
	Run = record.Run
	// Approval is a sign-off on a run by a role, or a refusal.
	Approval = record.Approval
	// AuditEntry is one entry of the audit log.
	AuditEntry = record.AuditEntry
	// AuditProblem is one finding of the audit log's verification.
	AuditProblem = record.Problem
	// Runbook is the migration's steps with each one's status.
	Runbook = sheet.Runbook
	// Step is one step of the runbook.
	Step = sheet.Step
)

// StatusQueued is the status of a run waiting for a worker.
const StatusQueued = record.StatusQueued

// DefaultLockTimeout is how long a run waits for an environment's lock
// when its request does not say.
const DefaultLockTimeout = 60 * time.Second

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

// IsInvalid reports whether err means the request could not be carried
// out as asked: an InvalidError, a NotFoundError, a Refusal or a
// configuration problem found while preparing a run (an error with an
// Invalid method, such as the engine's).
func IsInvalid(err error) bool {
	var ie *InvalidError
	var nf *NotFoundError
	var r *Refusal
	var iv interface{ Invalid() bool }
	return errors.As(err, &ie) || errors.As(err, &nf) || errors.As(err, &r) || (errors.As(err, &iv) && iv.Invalid())
}

// ParseSize reads a size such as 200MB or 2GiB.
func ParseSize(s string) (int64, error) { return extract.ParseSize(s) }

// DescribeApproval is "approved by NAME (ROLE) DATE: note" or the refusal.
func DescribeApproval(ap Approval) string { return record.Describe(ap) }

// Relative names a day relative to J: "J-7", "J", "J+2".
func Relative(offset int) string { return sheet.Relative(offset) }

// Where is "import into dev" or "check".
func Where(kind, env string) string {
	if env == "" {
		return kind
	}
	return kind + " into " + env
}

// ServeConfig is what handover serve chooses of the web server's backend:
// the projects served (every directory under Root with a handover.yaml, or
// the one Project), the audit of entries of no migration, the clock, the
// in-process workers, how runs are queued (nil: on those workers) and the
// upload limits that override the projects' own.
type ServeConfig struct {
	Root        string
	Project     string
	ServerAudit func(ctx context.Context, actor, action, detail string) error
	Now         func() time.Time
	Workers     int
	// Slots, when set, are the process's run slots (a send takes one, a
	// receive gives it back), shared with its River workers: the
	// in-process runs (fix-ups) take theirs there, not from Workers of
	// their own.
	Slots          chan struct{}
	Enqueue        func(ctx context.Context, req QueueRequest) (int, error)
	DeliveryLimits DeliveryLimits
	// Uploader verifies the account of an interrupted upload the server
	// recovers when it starts: the actor, or why that account may no
	// longer deliver to migration m; nil: none is verified.
	Uploader func(ctx context.Context, email, m string) (Actor, string, error)
}

// DaysTo is the number of calendar days from today to day.
func DaysTo(today, day time.Time) int {
	y1, m1, d1 := today.Date()
	y2, m2, d2 := day.Date()
	a := time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Hours() / 24)
}
