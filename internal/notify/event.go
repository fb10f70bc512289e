// Package notify delivers events to webhooks configured in handover.yaml:
// a run finished (with its counts and where its rejects are), a gate
// failed, a sign-off was recorded, a step is overdue. Deliveries are signed
// with HMAC-SHA256, retried with back-off and never block the caller; a
// failing webhook is reported, not fatal.
package notify

import (
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/webhook"
)

// Event types (package webhook, which handover.yaml's notify.webhooks
// are checked against).
const (
	EventRunFinished      = webhook.EventRunFinished
	EventGateFailed       = webhook.EventGateFailed
	EventSignoff          = webhook.EventSignoff
	EventStepOverdue      = webhook.EventStepOverdue
	EventPromotionRefused = webhook.EventPromotionRefused
	EventPromotionForced  = webhook.EventPromotionForced
	EventFrozen           = webhook.EventFrozen
)

// Events lists the event types.
func Events() []string { return webhook.Events() }

// KnownEvent reports whether name is an event type.
func KnownEvent(name string) bool { return webhook.KnownEvent(name) }

// Event is the JSON body a webhook receives.
type Event struct {
	ID        string     `json:"id,omitempty"` // the same on every delivery of this event: receivers drop duplicates by it
	Type      string     `json:"event"`
	Migration string     `json:"migration"`
	At        time.Time  `json:"at"`
	Summary   string     `json:"summary"` // one line for a ticket's title
	Run       *Run       `json:"run,omitempty"`
	Signoff   *Signoff   `json:"signoff,omitempty"`
	Step      *Step      `json:"step,omitempty"`
	Promotion *Promotion `json:"promotion,omitempty"`
	Freeze    *Freeze    `json:"freeze,omitempty"`
	// AuditHead is the audit chain's head when the event was made: a
	// receiver that keeps it can later show that the chain was cut back.
	AuditHead *state.Anchor `json:"audit_head,omitempty"`
}

// Run describes a finished run.
type Run struct {
	Number       int              `json:"number"`
	Kind         string           `json:"kind"`
	Env          string           `json:"env,omitempty"`
	Extraction   int              `json:"extraction"`
	Status       string           `json:"status"`
	DryRun       bool             `json:"dry_run,omitempty"`
	Forced       string           `json:"forced,omitempty"`
	Totals       Counts           `json:"totals"`
	Entities     []EntityCounts   `json:"entities"`
	Artifacts    string           `json:"artifacts,omitempty"` // where the run's protocol, report and rejects are: a directory or URL
	Rejects      []string         `json:"rejects,omitempty"`   // rejects files of the entities with rejects, relative to Artifacts
	FailedChecks []protocol.Check `json:"failed_checks,omitempty"`
	Error        string           `json:"error,omitempty"`
	// URL is the run's page on the server (notify.public_url set), and
	// then Artifacts and Rejects are links too.
	URL string `json:"url,omitempty"`
	// FirstRejects are the first rejected rows (line and reasons, no
	// values: the data stays with handover), at most MaxFirstRejects per
	// entity.
	FirstRejects []Reject `json:"first_rejects,omitempty"`
}

// MaxFirstRejects bounds the rejects an event carries per entity.
const MaxFirstRejects = 5

// Reject is one rejected row as an event shows it.
type Reject struct {
	Entity string `json:"entity"`
	Line   int    `json:"line"`
	Errors string `json:"errors"`
}

// RunLinks says where the receiver finds a run: the server's public URL
// (notify.public_url), else the artifacts directory relative to the
// project; and the first rejects to carry.
type RunLinks struct {
	PublicURL    string // https://handover.example.com; "" when unset
	Artifacts    string // the artifacts directory as the team knows it (relative to the project)
	FirstRejects []Reject
}

// Promotion describes a refused or forced promotion.
type Promotion struct {
	Env        string   `json:"env"`
	Extraction int      `json:"extraction"`
	Missing    []string `json:"missing,omitempty"` // what the rules still want
	Reason     string   `json:"reason,omitempty"`  // why --force overrode them
	By         string   `json:"by"`
}

// Freeze describes the source being recorded read-only.
type Freeze struct {
	By   string `json:"by"`
	Note string `json:"note,omitempty"`
}

// PromotionEvent is promotion_refused (forced false) or promotion_forced.
func PromotionEvent(migration string, pr Promotion, forced bool, at time.Time) Event {
	if forced {
		return Event{Type: EventPromotionForced, Migration: migration, At: at, Promotion: &pr,
			Summary: fmt.Sprintf("%s: %s forced the import of extraction %d into %s: %s", migration, pr.By, pr.Extraction, pr.Env, pr.Reason)}
	}
	return Event{Type: EventPromotionRefused, Migration: migration, At: at, Promotion: &pr,
		Summary: fmt.Sprintf("%s: import of extraction %d into %s refused: %d requirement(s) missing", migration, pr.Extraction, pr.Env, len(pr.Missing))}
}

// FreezeEvent is the source_frozen event.
func FreezeEvent(migration string, f Freeze, at time.Time) Event {
	return Event{Type: EventFrozen, Migration: migration, At: at, Freeze: &f,
		Summary: fmt.Sprintf("%s: %s recorded the source as read-only", migration, f.By)}
}

// Counts are a run's row counts.
type Counts struct {
	Read      int64 `json:"read"`
	Filtered  int64 `json:"filtered"`
	Rejected  int64 `json:"rejected"`
	Valid     int64 `json:"valid"`
	Inserted  int64 `json:"inserted"`
	Updated   int64 `json:"updated"`
	Unchanged int64 `json:"unchanged"`
	Removed   int64 `json:"removed"`
}

// EntityCounts are one entity's counts.
type EntityCounts struct {
	Name string `json:"name"`
	Counts
	RejectsByRule map[string]int `json:"rejects_by_rule,omitempty"`
}

// Signoff describes a recorded sign-off or refusal.
type Signoff struct {
	Run     int    `json:"run"`
	Env     string `json:"env,omitempty"`
	Role    string `json:"role"`
	By      string `json:"by"`
	Note    string `json:"note,omitempty"`
	Refused bool   `json:"refused,omitempty"`
}

// Step describes an overdue runbook step.
type Step struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Owner  string `json:"owner"`
	Due    string `json:"due"`  // YYYY-MM-DD
	When   string `json:"when"` // J-7
	Status string `json:"status"`
	Note   string `json:"note,omitempty"`
}

// RunEvents are the events of a finished run: run_finished, and
// gate_failed when its gate failed. artifacts says where the run's
// artifacts are for the receiver (a URL of the server, a shared directory);
// empty: the protocol's own artifacts directory.
func RunEvents(migration string, p *protocol.Protocol, artifacts string, at time.Time) []Event {
	if artifacts == "" {
		artifacts = p.Artifacts
	}
	return RunEventsWith(migration, p, RunLinks{Artifacts: artifacts}, at)
}

// RunEventsWith are RunEvents with links to the server when l.PublicURL is
// set — the run's page, and the rejects as downloads — and the first
// rejects of each entity.
func RunEventsWith(migration string, p *protocol.Protocol, l RunLinks, at time.Time) []Event {
	r := &Run{Number: p.Run, Kind: p.Kind, Env: p.Env, Extraction: p.Extraction, Status: p.Status,
		DryRun: p.DryRun, Forced: p.Forced, Artifacts: l.Artifacts, Error: p.Error, Entities: []EntityCounts{},
		FirstRejects: l.FirstRejects}
	if l.PublicURL != "" {
		r.URL = fmt.Sprintf("%s/m/%s/runs/%d", strings.TrimRight(l.PublicURL, "/"), url.PathEscape(migration), p.Run)
		r.Artifacts = r.URL
	}
	for _, e := range p.Entities {
		c := Counts{e.Read, e.Filtered, e.Rejected, e.Valid, e.Inserted, e.Updated, e.Unchanged, e.Removed}
		r.Entities = append(r.Entities, EntityCounts{e.Name, c, e.RejectsByRule})
		r.Totals = r.Totals.add(c)
		if e.Rejects != "" && e.Rejected > 0 {
			rej := path.Clean(e.Rejects)
			if r.URL != "" {
				rej = r.URL + "/rejects/" + url.PathEscape(path.Base(rej))
			}
			r.Rejects = append(r.Rejects, rej)
		}
	}
	for _, c := range p.Gate.Checks {
		if !c.Passed {
			r.FailedChecks = append(r.FailedChecks, c)
		}
	}
	where := p.Kind
	if p.Env != "" {
		where += " into " + p.Env
	}
	evs := []Event{{Type: EventRunFinished, Migration: migration, At: at, Run: r,
		Summary: fmt.Sprintf("%s: run %d (%s, extraction %d) %s: %d read, %d rejected, %d loaded",
			migration, p.Run, where, p.Extraction, p.Status, r.Totals.Read, r.Totals.Rejected,
			r.Totals.Inserted+r.Totals.Updated+r.Totals.Unchanged)}}
	if p.Status == protocol.StatusGateFailed {
		evs = append(evs, Event{Type: EventGateFailed, Migration: migration, At: at, Run: r,
			Summary: fmt.Sprintf("%s: run %d (%s) failed the quality gate: %d checks failed", migration, p.Run, where, len(r.FailedChecks))})
	}
	return evs
}

func (c Counts) add(o Counts) Counts {
	return Counts{c.Read + o.Read, c.Filtered + o.Filtered, c.Rejected + o.Rejected, c.Valid + o.Valid,
		c.Inserted + o.Inserted, c.Updated + o.Updated, c.Unchanged + o.Unchanged, c.Removed + o.Removed}
}

// SignoffEvent is the signoff_recorded event.
func SignoffEvent(migration string, s Signoff, at time.Time) Event {
	verb := "signed off"
	if s.Refused {
		verb = "refused"
	}
	return Event{Type: EventSignoff, Migration: migration, At: at, Signoff: &s,
		Summary: fmt.Sprintf("%s: %s (%s) %s run %d", migration, s.By, s.Role, verb, s.Run)}
}

// StepOverdueEvent is the step_overdue event.
func StepOverdueEvent(migration string, s Step, at time.Time) Event {
	return Event{Type: EventStepOverdue, Migration: migration, At: at, Step: &s,
		Summary: fmt.Sprintf("%s: step %q (%s, %s, owner %s) is overdue", migration, s.Title, s.When, s.Due, s.Owner)}
}
