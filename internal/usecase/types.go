package usecase

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/record"
	"github.com/handover/handover/internal/sheet"
)

// ArtifactRequest names one file of a run's artifacts: protocol.json,
// report.html, or a file below rejects/ (as the protocol names them).
type ArtifactRequest struct {
	Actor   Actor
	Project string
	Run     int
	Name    string
}

// DeliveryLimits bound one delivery: each file (an uploaded file or a zip
// member, unzipped) and the whole delivery, unzipped.
type DeliveryLimits struct {
	MaxFileSize     int64
	MaxDeliverySize int64
}

// Or fills the zero fields of l from o.
func (l DeliveryLimits) Or(o DeliveryLimits) DeliveryLimits {
	if l.MaxFileSize <= 0 {
		l.MaxFileSize = o.MaxFileSize
	}
	if l.MaxDeliverySize <= 0 {
		l.MaxDeliverySize = o.MaxDeliverySize
	}
	return l
}

// FilesSyncRequest asks to ship an extraction's binary files to an
// environment's file store.
type FilesSyncRequest struct {
	Actor      Actor
	Project    string
	Env        string
	Extraction int    // 0: the newest
	Prefix     string // which extraction files ("." for all); files.DefaultPrefix when empty
	DryRun     bool   // plan only
	Delete     bool   // remove destination files the extraction lacks
	Parallel   int    // concurrent transfers
	Progress   *Progress
}

// FilesSyncResult is a sync run and its plan.
type FilesSyncResult struct {
	RunResult
	SyncPlan *files.SyncPlan // what the sync decided, file by file
}

// FilesVerifyRequest asks to compare an environment's file store with an
// extraction.
type FilesVerifyRequest struct {
	Actor      Actor
	Project    string
	Env        string
	Extraction int
	Prefix     string
	Deep       bool // download and hash every object
}

// FilesVerifyResult is a verify run and what it found; the run's status
// is gate_failed when a file is missing or differs.
type FilesVerifyResult struct {
	RunResult
	Extraction int
	Verify     *files.VerifyResult
}

// FixupRequest asks to re-run the fix-up rules on an environment's rows.
type FixupRequest struct {
	Actor   Actor
	Project string
	Env     string
	DryRun  bool
	Lock    LockWait
}

// RunResult is a run that happened: its protocol (status succeeded,
// failed, gate_failed or interrupted) and what a front end shows with it.
// A use case that returns a RunResult and an error ran and failed: the
// protocol says how far it came.
type RunResult struct {
	Protocol   *protocol.Protocol
	ProjectDir string     // the project's directory, for showing artifacts relative to it
	Promotion  *Promotion // an import into an environment with promotion rules
	Warnings   []string   // events not delivered to a webhook
}

// GateFailed reports whether the run finished but its gate failed (exit 3).
func (r *RunResult) GateFailed() bool {
	return r != nil && r.Protocol != nil && r.Protocol.Status == protocol.StatusGateFailed
}

// SignOffRequest asks to sign off (or, Refused, to refuse) a run in a role.
type SignOffRequest struct {
	Actor   Actor
	Project string
	Run     int
	Role    string // reviewer, customer or lead
	By      string // who signs; empty: the actor (on the command line $HANDOVER_USER or the OS user)
	Note    string // required for a refusal
	Refused bool
}

// SignOffResult is the recorded sign-off and the run it is on.
type SignOffResult struct {
	Run      *Run
	Approval Approval
	// NotCounting, when not empty, says why the sign-off cannot satisfy a
	// promotion ("was a dry run").
	NotCounting string
	// NeedsAuthenticated names the environments whose promotion requires
	// this role's sign-off from an account of the web server: an
	// unauthenticated sign-off does not count for them.
	NeedsAuthenticated []string
	Warnings           []string
}

// ConfirmRequest asks to record that a runbook step was done outside
// handover (kickoff, preprod_refreshed, freeze, steps added in plan:).
type ConfirmRequest struct {
	Actor   Actor
	Project string
	Step    string
	By      string
	Note    string
}

// ConfirmResult is the recorded confirmation. Already is set when the
// source was frozen before: then By and At are the first freeze's.
type ConfirmResult struct {
	Step    string
	By      string
	Note    string
	At      time.Time
	Already bool
	// Warnings are events not delivered to a webhook (a later command
	// delivers them).
	Warnings []string
}

// Promotion is what the promotion rules said about an import that went
// ahead.
type Promotion struct {
	Evidence       []string // the runs and sign-offs that satisfy the rules
	Forced         string   // the reason of --force, when the rules were overridden
	Overridden     []string // what --force overrode
	NothingToForce bool     // --force was given but the rules were met
}

// RunsRequest asks for the runs of a project, of one environment or all.
type RunsRequest struct {
	Actor   Actor
	Project string
	Env     string // "": every run
}

// ShowRequest asks for one run.
type ShowRequest struct {
	Actor   Actor
	Project string
	Run     int
}

// ShowResult is a run with its sign-offs and refusals.
type ShowResult struct {
	Run        *Run
	Approvals  []Approval
	ProjectDir string
}

// AuditRequest asks for the audit log; Verify walks its chain.
type AuditRequest struct {
	Actor   Actor
	Project string
	Verify  bool
}

// AuditResult is the audit log, oldest first. With Verify, Problems lists
// what VerifyAudit found (none: the chain is intact) and FirstBad is the
// first damaged entry (0: none named).
type AuditResult struct {
	Entries  []AuditEntry
	Verified bool
	FirstBad int64
	Problems []AuditProblem
	// Anchors are the chain heads the environments recorded with their
	// newest run, by environment: the verification checks the chain still
	// reaches each (a cut tail does not).
	Anchors map[string]record.Anchor
}

// ReceiveRequest asks to store a delivery as the next extraction.
type ReceiveRequest struct {
	Actor   Actor
	Project string
	Paths   []string // files, directories, archives
	Label   string
	Limits  extract.Limits // what an archive may unpack to (zero: the defaults)
	// Databases adds a snapshot of every recipe source that names a
	// database (source: {database: …, query: …}).
	Databases bool
}

// QueueRequest asks to queue a check, an import or a files sync for a
// worker: the run is numbered and recorded as queued now, and executed
// later by Execute on whichever machine takes its job.
type QueueRequest struct {
	Actor      Actor
	Project    string
	Kind       string // protocol.KindCheck, KindImport or KindSync
	Env        string // import, sync
	Extraction int    // 0: the newest (resolved now)
	DryRun     bool
	Force      bool          // import: override the promotion rules
	Reason     string        // why; required with Force
	Prefix     string        // sync: which extraction files
	Delete     bool          // sync: remove destination files the extraction lacks
	Parallel   int           // sync: concurrent transfers
	Timeout    time.Duration // the run's time limit on the worker; 0: the worker's
	// LockTimeout is how long the worker waits for the environment's
	// lock, as LockWait.Timeout: 0 is DefaultLockTimeout, negative: no wait.
	LockTimeout time.Duration
}

// QueuedRun is a queued run: everything a worker needs to execute it,
// and no secret.
type QueuedRun struct {
	Migration  string `json:"migration"`
	Project    string `json:"project"` // the project's directory where it was queued
	Run        int    `json:"run"`
	Kind       string `json:"kind"`
	Env        string `json:"env,omitempty"`
	Extraction int    `json:"extraction"`
	Actor      string `json:"actor"` // who queued it
	DryRun     bool   `json:"dry_run,omitempty"`
	Force      bool   `json:"force,omitempty"`
	Reason     string `json:"reason,omitempty"`
	Prefix     string `json:"prefix,omitempty"`
	Delete     bool   `json:"delete,omitempty"`
	Parallel   int    `json:"parallel,omitempty"`
	Timeout    int    `json:"timeout,omitempty"` // seconds; 0: the worker's limit
	// LockTimeout is how long to wait for the environment's lock, in
	// seconds: 0 the default, negative: do not wait.
	LockTimeout int `json:"lock_timeout,omitempty"`
}

// Enqueuer hands a queued run to the workers (a job queue).
type Enqueuer interface {
	Enqueue(ctx context.Context, r QueuedRun) error
}

// TestRequest asks to run the recipes' fixture tests.
type TestRequest struct {
	Actor   Actor
	Project string
	Entity  string // "": every entity's tests
}

// ExplainRequest names one row of a past run.
type ExplainRequest struct {
	Actor   Actor
	Project string
	Run     int
	Entity  string
	Line    int
	File    string // a source of several files: the file the line is in
	Field   string // "": every field
}

// ReplayRequest names a past run to re-execute.
type ReplayRequest struct {
	Actor   Actor
	Project string
	Run     int
	Workers int // 0: one per CPU
}

// DiffRunsRequest names two runs to compare.
type DiffRunsRequest struct {
	Actor   Actor
	Project string
	A, B    int
}

// RunRecipesRequest asks for the recipes a run archived.
type RunRecipesRequest struct {
	Actor   Actor
	Project string
	Run     int
}

// RecipeFile is one archived recipe.
type RecipeFile struct {
	Entity  string `json:"entity"`
	Name    string `json:"name"`
	SHA256  string `json:"sha256"`
	Content string `json:"content"`
}

// RunRecipes are the recipes of a run, exactly as it used them.
type RunRecipes struct {
	Run     int          `json:"run"`
	Archive string       `json:"archive"`
	Recipes []RecipeFile `json:"recipes"`
}

// CheckRequest asks to transform and validate an extraction without a
// target.
type CheckRequest struct {
	Actor      Actor
	Project    string // the project's directory
	Extraction int    // 0: the newest
	Progress   *Progress
}

// ImportRequest asks to load an extraction into an environment.
type ImportRequest struct {
	Actor      Actor
	Project    string
	Env        string
	Extraction int // 0: the newest the customer submitted, else the newest
	DryRun     bool
	Force      bool   // import although the promotion rules are not met
	Reason     string // why; required with Force
	Progress   *Progress
	Lock       LockWait
}

// LockWait says how long a run waits for another import's lock on its
// environment, and whom to tell while it waits.
type LockWait struct {
	// Timeout is the longest wait: 0 is DefaultLockTimeout, a negative
	// value refuses at once.
	Timeout time.Duration
	// OnWait, when set, is called while the run waits, once per holder
	// ("run 12 import, host h, since 2026-12-06T10:04Z"; "" when the
	// database cannot tell).
	OnWait func(holder string)
}

// DiffRequest asks what an import of an extraction would do to an
// environment.
type DiffRequest struct {
	Actor      Actor
	Project    string
	Env        string
	Extraction int // 0: as an import, the newest submitted, else the newest
	Progress   *Progress
	Lock       LockWait
}

// RunbookRequest asks for the runbook, dated from today.
type RunbookRequest struct {
	Actor   Actor
	Project string
}

// RunbookResult is the runbook and the migration it belongs to.
type RunbookResult struct {
	Migration string
	Runbook   *Runbook
	Warnings  []string // overdue steps not delivered to a webhook
}

// CountersignRequest is an authenticated account's sign-off or refusal.
type CountersignRequest struct {
	Actor        Actor // Authenticated, Name: the account's e-mail
	Run          int
	Role         string
	Note         string
	Refused      bool
	ProtocolHash string // when set, must be the run's current ProtocolHash
}

// Hooks are test hooks; nil in production.
type Hooks struct {
	// AfterCommit runs right after an environment's transaction committed,
	// before anything else is recorded (a test kills the process here).
	AfterCommit func()
	// AfterDeliveryStored runs right after a portal upload is stored as
	// an extraction, before its check is queued and the delivery
	// recorded; an error stops the delivery there (a test's kill).
	AfterDeliveryStored func() error
}

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

// StatusRequest asks where the migration stands.
type StatusRequest struct {
	Actor   Actor
	Project string
}

// Status is where the migration stands: the runbook's progress and the
// latest run into each environment. It is what status --json prints.
type Status struct {
	Migration string      `json:"migration"`
	Customer  string      `json:"customer,omitempty"`
	Cutover   string      `json:"cutover,omitempty"`
	Today     string      `json:"today"`
	DaysToGo  *int        `json:"days_to_cutover,omitempty"`
	Done      int         `json:"steps_done"`
	Total     int         `json:"steps_total"`
	LastDone  *Step       `json:"last_done,omitempty"`
	Next      *Step       `json:"next,omitempty"`
	Overdue   []*Step     `json:"overdue"`
	Envs      []EnvStatus `json:"environments"`
	Check     *EnvStatus  `json:"latest_check,omitempty"`
	// Warnings are overdue steps not delivered to a webhook.
	Warnings []string `json:"-"`
}

// EnvStatus is the latest run into an environment; Run is 0 when none.
type EnvStatus struct {
	Env        string `json:"env,omitempty"`
	Run        int    `json:"run,omitempty"`
	Kind       string `json:"kind,omitempty"`
	Extraction int    `json:"extraction,omitempty"`
	Status     string `json:"status,omitempty"`
	Started    string `json:"started,omitempty"`
}

// WriteICS writes the runbook's steps as iCalendar events.
func (r *RunbookResult) WriteICS(w io.Writer) error {
	return sheet.WriteICS(w, r.Runbook, r.Migration)
}

// Detail is the confirmation as the audit log words it.
func (r *ConfirmResult) Detail() string { return ConfirmDetail(r.Step, r.By, r.Note) }

// ConfirmDetail is a confirmation of step as the audit log words it.
func ConfirmDetail(step, by, note string) string {
	s := fmt.Sprintf("%s confirmed by %s", step, by)
	if step == sheet.StepFreeze {
		s = "source frozen (read-only) by " + by
	}
	if note != "" {
		s += fmt.Sprintf(": %q", note)
	}
	return s
}
