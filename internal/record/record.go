// Package record holds the state store's records as the front ends see
// them: runs, sign-offs, audit entries and the audit verification's
// findings. internal/state stores them; it aliases these types.
package record

import (
	"fmt"
	"time"

	"github.com/handover/handover/internal/protocol"
)

// StatusQueued is the status of a run waiting for a worker; the other
// statuses are protocol's.
const StatusQueued = "queued"

// Run is one recorded run.
type Run struct {
	Number       int
	Kind         string
	Env          string
	Extraction   int
	Status       string             // queued, running, or a final status of protocol
	Started      time.Time          // when it began (queued: when it was queued)
	Finished     time.Time          // zero until finished, and for an interrupted run
	StartedBy    string             // who started or queued it (account, or OS user)
	Queued       time.Time          // when it was queued; zero for a run begun in-process
	Holder       string             // lease holder (worker id) while running
	LeaseExpires time.Time          // end of the lease; zero when none is held
	PID          int                // process that runs it
	Host         string             // host (worker) that runs it
	Artifacts    string             // artifacts directory
	Protocol     *protocol.Protocol // nil until finished
}

// Approval is a sign-off on a run by a role, or a refusal. By is who
// signs: an account's id or e-mail when Authenticated, else the OS user
// (or $HANDOVER_USER); four-eyes rules compare it.
type Approval struct {
	Run           int
	Role          string
	By            string
	Authenticated bool
	Note          string
	At            time.Time
	Refused       bool
	Seq           int64 // its audit entry; set by AddApproval and Approvals
}

// AuditEntry is one entry of the migration's append-only audit chain.
// Hash covers PrevHash and every other field, so a changed or removed
// entry breaks the chain; with an audit key it is an HMAC.
type AuditEntry struct {
	Seq      int64
	At       time.Time
	Actor    string
	Action   string
	Detail   string // for people
	Run      int    // the run it is about; 0: none
	Data     string // for machines: JSON, such as a sign-off
	Alg      string // "v1", "sha256" or "hmac-sha256"
	PrevHash string
	Hash     string
}

// Anchor is a chain head, {seq, hash}: written into an environment's
// database with each import and sent with each event, it lets VerifyAudit
// notice a chain cut back behind it.
type Anchor struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"`
}

// Problem is one finding of VerifyAudit.
type Problem struct {
	Kind   string
	Seq    int64 // the entry concerned: for removed entries the one after the gap; for a forged sign-off the entry its row names
	Run    int   // forged sign-off: its run
	Detail string
}

func (p Problem) String() string { return p.Kind + ": " + p.Detail }

// Describe is "approved by NAME (ROLE) DATE: note" or the refusal.
func Describe(a Approval) string {
	verb := "approved"
	if a.Refused {
		verb = "refused"
	}
	s := fmt.Sprintf("%s by %s (%s) %s", verb, a.By, a.Role, day(a.At))
	if a.Note != "" {
		s += fmt.Sprintf(": %q", a.Note)
	}
	return s
}

func day(t time.Time) string {
	if t.IsZero() {
		return "(no date)"
	}
	return t.Format(time.DateOnly)
}
