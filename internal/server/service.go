package server

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// Service is what the server asks of the application layer. Every handler
// goes through it; the server itself holds no business rule beyond who may
// ask what (roles and migration scopes).
type Service interface {
	// Migrations lists every migration served, by name.
	Migrations(ctx context.Context) ([]Migration, error)
	// Serves reports whether migration m is served (cheap: no state read).
	Serves(m string) bool
	// Overview is one migration's lanes, runbook and extractions.
	Overview(ctx context.Context, m string) (*Overview, error)
	// Runs lists a migration's runs, oldest first.
	Runs(ctx context.Context, m string) ([]RunSummary, error)
	// Run is one run with its protocol and sign-offs.
	Run(ctx context.Context, m string, n int) (*RunDetail, error)
	// Artifact opens one of a run's files: "protocol.json", "report.html",
	// "profile.json" (the column profiles) or "rejects/<entity>.csv".
	Artifact(ctx context.Context, m string, n int, name string) (io.ReadCloser, error)
	// Rejects reads a run's rejects of one entity.
	Rejects(ctx context.Context, m string, n int, entity string) (*Rejects, error)
	// Audit is the migration's audit log with its verification.
	Audit(ctx context.Context, m string) (*AuditLog, error)
	// Start begins a check or import and returns its run number; the run
	// executes in the background.
	Start(ctx context.Context, req StartRequest) (int, error)
	// SignOff records a sign-off or refusal on a run.
	SignOff(ctx context.Context, req SignOffRequest) error
	// Confirm records a runbook step done outside handover ("freeze":
	// the source was set read-only).
	Confirm(ctx context.Context, req ConfirmRequest) error
	// Record appends an entry to the audit log of migration m, or to the
	// server's own log when m is "".
	Record(ctx context.Context, m string, e AuditRecord) error

	DeliveryService // the customer portal's deliveries
}

// Errors a Service returns that the server maps to statuses (errors.Is).
var (
	ErrNotFound = errors.New("not found")       // 404
	ErrRefused  = errors.New("refused")         // 409: a rule says no; the message says why
	ErrInvalid  = errors.New("invalid request") // 400
)

// Actor is who asks: an account, authenticated by the server.
type Actor struct {
	ID    int64
	Email string
	Name  string
	Role  string
}

// Migration is one line of the migrations list.
type Migration struct {
	Name     string      `json:"name"`
	Customer string      `json:"customer"`
	Cutover  string      `json:"cutover"`
	DaysToJ  *int        `json:"days_to_cutover,omitempty"`
	Lanes    []LaneBadge `json:"environments"`
	Next     *Step       `json:"next,omitempty"`
	Overdue  int         `json:"overdue"`
	Error    string      `json:"error,omitempty"` // the project does not load
}

// LaneBadge is an environment's state in one word.
type LaneBadge struct {
	Env    string `json:"env"`
	Run    int    `json:"run,omitempty"`
	Status string `json:"status"` // none, running, succeeded, failed, gate_failed, interrupted, …
}

// Step is one runbook step.
type Step struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Owner    string    `json:"owner"`
	Due      time.Time `json:"due"`
	Relative string    `json:"relative"` // "J-7"
	Status   string    `json:"status"`
	Overdue  bool      `json:"overdue"`
	Evidence []string  `json:"evidence,omitempty"`
	Note     string    `json:"note,omitempty"`
}

// Overview is one migration's screen.
type Overview struct {
	Migration
	Lanes       []Lane       `json:"lanes"`
	Plan        []Step       `json:"plan"`
	Extractions []Extraction `json:"extractions"`
	LatestCheck *RunSummary  `json:"latest_check,omitempty"`
}

// Lane is one environment: its last import, gate and sign-offs.
type Lane struct {
	Env        string      `json:"env"`
	Requires   []string    `json:"requires,omitempty"`
	Last       *RunSummary `json:"last,omitempty"`
	FailedGate string      `json:"failed_check,omitempty"` // the first failing gate check, named
	Needed     []string    `json:"signoffs_needed"`        // roles that must sign the last run
	Signed     []SignOff   `json:"signoffs"`
	Missing    []string    `json:"signoffs_missing"`
}

// Extraction is one delivery and its manifest.
type Extraction struct {
	Number   int            `json:"number"`
	Label    string         `json:"label,omitempty"`
	Received time.Time      `json:"received"`
	Files    []ManifestFile `json:"files"`
}

// ManifestFile is one file of a delivery.
type ManifestFile struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// RunSummary is a line of `runs --json`.
type RunSummary struct {
	Run        int       `json:"run"`
	Kind       string    `json:"kind"`
	Env        string    `json:"env"`
	Extraction int       `json:"extraction"`
	Status     string    `json:"status"`
	Started    time.Time `json:"started"`
	StartedBy  string    `json:"started_by,omitempty"`
}

// RunDetail is a run with everything its screen shows.
type RunDetail struct {
	RunSummary
	Protocol     *protocol.Protocol `json:"protocol,omitempty"` // nil while running
	ProtocolHash string             `json:"protocol_hash,omitempty"`
	SignOffs     []SignOff          `json:"signoffs"`
	Progress     []EntityProgress   `json:"progress,omitempty"` // while running
}

// EntityProgress is a running entity's counters.
type EntityProgress struct {
	Entity string `json:"entity"`
	Read   int64  `json:"read"`
	Done   bool   `json:"done"`
}

// SignOff is a sign-off or refusal on a run.
type SignOff struct {
	Role          string    `json:"role"`
	By            string    `json:"by"`
	Authenticated bool      `json:"authenticated"`
	Note          string    `json:"note,omitempty"`
	At            time.Time `json:"at"`
	Refused       bool      `json:"refused"`
	Void          bool      `json:"void,omitempty"` // a later import into the environment voided it
}

// Rejects is an entity's rejected rows.
type Rejects struct {
	Entity  string      `json:"entity"`
	Columns []string    `json:"columns"`
	Rows    []RejectRow `json:"rows"`
}

// RejectRow is one rejected row with the rule and field of each problem.
type RejectRow struct {
	Line   int      `json:"line"`
	Errors string   `json:"errors"`
	Fields []string `json:"fields,omitempty"`
	Rules  []string `json:"rules,omitempty"` // the rule key of each problem, in the order of Errors
	Values []string `json:"values"`
}

// AuditLog is the chain and its verification.
type AuditLog struct {
	Entries  []AuditEntry `json:"entries"`
	Intact   bool         `json:"intact"`
	BrokenAt int64        `json:"broken_at,omitempty"`
}

// AuditEntry is one entry of the chain.
type AuditEntry struct {
	Seq    int64     `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
	Detail string    `json:"detail"`
	Hash   string    `json:"hash"`
}

// AuditRecord is an entry the server asks to append.
type AuditRecord struct {
	Actor  string
	Action string
	Detail string
}

// ConfirmRequest confirms a runbook step.
type ConfirmRequest struct {
	Actor     Actor
	Migration string
	Step      string
	Note      string
}

// Run kinds the server starts.
var startKinds = map[string]bool{"check": false, "import": true, "fixup": true, "sync": true} // kind → needs an environment

// StartRequest asks for a run: a check, an import, a fix-up or a file sync.
type StartRequest struct {
	Actor      Actor
	Migration  string
	Kind       string // check, import, fixup or sync
	Env        string // all but check
	Extraction int    // 0: the newest
}

// SignOffRequest signs (or refuses) a run in a role.
type SignOffRequest struct {
	Actor        Actor
	Migration    string
	Run          int
	Role         string
	Note         string
	Refuse       bool
	ProtocolHash string // must match the run's current protocol when set
}
