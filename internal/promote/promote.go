// Package promote decides whether an import into an environment may
// proceed: every environment it requires must hold a successful import of
// the same recipes and format, with the sign-offs the environment asks for,
// and a later extraction must come from a frozen source.
package promote

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/record"
	"github.com/handover/handover/internal/state"
)

// FreezeFact is the default state-store fact recording that the source is
// read-only; handover freeze sets it, its value is the name of who froze.
const FreezeFact = "freeze"

// Evidence is what Check reads from the state store; *state.Store
// satisfies it.
type Evidence interface {
	Runs(ctx context.Context, env string) ([]*state.Run, error)
	Approvals(ctx context.Context, run int) ([]state.Approval, error)
	Fact(ctx context.Context, key string) (value string, at time.Time, ok bool, err error)
}

// Request is the import about to start.
type Request struct {
	Env        string
	Hashes     project.Hashes // the project's current hashes; Lookups is compared only when both sides have one
	Extraction int
	Received   time.Time // when the extraction was received; zero: not checked against the freeze time
	Freeze     Freeze
}

// Freeze is the freeze policy: an import of an extraction after the first
// into an environment that requires another needs the source frozen before
// that extraction was received.
type Freeze struct {
	Off  bool     // never require the freeze
	Envs []string // environments that require it; empty: every environment with requires
	Fact string   // fact key; empty: FreezeFact
}

// Decision is Check's verdict. Missing and Evidence are sentences a user
// reads: what is lacking, and what was found.
type Decision struct {
	Allowed  bool
	Missing  []string
	Evidence []string
	Runs     map[string]int // required environment → the run that satisfies it
}

// Check decides whether req may proceed under p's promotion rules.
func Check(ctx context.Context, ev Evidence, p *project.Project, req Request) (*Decision, error) {
	env, ok := p.Environments[req.Env]
	if !ok {
		return nil, fmt.Errorf("check promotion: no environment %q", req.Env)
	}
	d := &Decision{Runs: map[string]int{}}
	for _, name := range env.Requires {
		if err := checkRequired(ctx, ev, d, name, env, req.Hashes); err != nil {
			return nil, fmt.Errorf("check promotion to %s: %w", req.Env, err)
		}
	}
	if err := checkFreeze(ctx, ev, d, env, req); err != nil {
		return nil, fmt.Errorf("check promotion to %s: %w", req.Env, err)
	}
	d.Allowed = len(d.Missing) == 0
	return d, nil
}

// checkRequired checks the required environment name: its latest
// committed import must have passed the gate with the current hashes and
// carry the sign-offs of roles, by distinct people, none of them as
// reviewer by whoever started it, and by an account of the web server for
// the roles env requires authenticated. A later import into name voids the
// sign-offs of earlier ones.
func checkRequired(ctx context.Context, ev Evidence, d *Decision, name string, env *project.Environment, h project.Hashes) error {
	roles := env.Approvals
	runs, err := ev.Runs(ctx, name)
	if err != nil {
		return err
	}
	r := LatestCommitted(runs)
	if r == nil || !Passed(r) || !SameHashes(r, h) {
		d.Missing = append(d.Missing, noRun(name, runs, h))
		return nil
	}
	lacking, found, err := signoffs(ctx, ev, r, env)
	if err != nil {
		return err
	}
	if len(lacking) == 0 {
		d.Runs[name] = r.Number
		d.Evidence = append(d.Evidence, runEvidence(r, found))
		return nil
	}
	voided, err := voidedBy(ctx, ev, runs, r, roles)
	if err != nil {
		return err
	}
	for _, l := range lacking {
		d.Missing = append(d.Missing, name+": "+l+voided)
	}
	return nil
}

// LatestCommitted is the newest import of runs (ascending) that changed
// its environment: not a dry run, and committed (a run from before
// protocols said so: succeeded or gate_failed). Its sign-offs are the
// only ones that count: it voids those of every earlier import.
func LatestCommitted(runs []*state.Run) *state.Run {
	for i := len(runs) - 1; i >= 0; i-- {
		if r := runs[i]; committed(r) {
			return r
		}
	}
	return nil
}

func committed(r *state.Run) bool {
	p := r.Protocol
	if r.Kind != protocol.KindImport || p == nil || p.DryRun {
		return false
	}
	if p.Transaction != "" {
		return p.Transaction == protocol.TransactionCommitted &&
			(r.Status == protocol.StatusSucceeded || r.Status == protocol.StatusGateFailed)
	}
	return r.Status == protocol.StatusSucceeded || r.Status == protocol.StatusGateFailed
}

// voidedBy notes the newest earlier run whose sign-offs r voided, if any:
// " (the sign-offs on run 4 were voided by the later import, run 8)".
func voidedBy(ctx context.Context, ev Evidence, runs []*state.Run, r *state.Run, roles []string) (string, error) {
	for i := len(runs) - 1; i >= 0; i-- {
		old := runs[i]
		if old.Number >= r.Number || !Passed(old) {
			continue
		}
		as, err := ev.Approvals(ctx, old.Number)
		if err != nil {
			return "", err
		}
		for _, role := range roles {
			if _, ok := Approved(as, role); ok {
				return fmt.Sprintf(" (the sign-offs on run %d were voided by the later import, run %d)", old.Number, r.Number), nil
			}
		}
	}
	return "", nil
}

// Passed reports whether r is a real import that passed the gate: kind
// import, not a dry run, status succeeded, with its protocol.
func Passed(r *state.Run) bool {
	return r.Kind == protocol.KindImport && r.Status == protocol.StatusSucceeded &&
		r.Protocol != nil && !r.Protocol.DryRun
}

// SameHashes reports whether r ran with the recipes and format of h (and
// its lookups, when both record them).
func SameHashes(r *state.Run, h project.Hashes) bool {
	if r.Protocol == nil {
		return false
	}
	return len(changed(r.Protocol.Hashes, h)) == 0
}

// changed names what differs between a run's hashes and the project's.
func changed(rh protocol.Hashes, h project.Hashes) []string {
	var out []string
	if rh.Recipes != h.Recipes {
		out = append(out, "recipes")
	}
	if rh.Format != h.Format {
		out = append(out, "format")
	}
	if rh.Lookups != "" && h.Lookups != "" && rh.Lookups != h.Lookups {
		out = append(out, "lookup tables")
	}
	return out
}

// noRun explains why no run of env counts.
func noRun(env string, runs []*state.Run, h project.Hashes) string {
	cmd := fmt.Sprintf(`run "handover import --env %s"`, env)
	var passed, current, last *state.Run // newest passed (with other hashes), newest with the current hashes, newest import
	for i := len(runs) - 1; i >= 0; i-- {
		r := runs[i]
		if r.Kind != protocol.KindImport {
			continue
		}
		if last == nil {
			last = r
		}
		if passed == nil && Passed(r) {
			passed = r
		}
		if current == nil && SameHashes(r, h) {
			current = r
		}
	}
	switch {
	case passed != nil && !SameHashes(passed, h): // (a passed run with them was voided by a later import)
		what := strings.Join(changed(passed.Protocol.Hashes, h), " and ")
		since := fmt.Sprintf("%s changed since run %d", what, passed.Number)
		if current != nil && current.Number > passed.Number {
			since += fmt.Sprintf("; run %d with them %s", current.Number, why(current))
		}
		return fmt.Sprintf("%s: no successful import with the current %s (%s — %s again)", env, what, since, cmd)
	case current != nil:
		return fmt.Sprintf("%s: no successful import (run %d %s — %s again)", env, current.Number, why(current), cmd)
	case last != nil:
		return fmt.Sprintf("%s: no successful import (run %d %s — %s again)", env, last.Number, why(last), cmd)
	}
	return fmt.Sprintf("%s: no import yet (%s)", env, cmd)
}

// why says why an import run does not count.
func why(r *state.Run) string {
	switch {
	case r.Protocol != nil && r.Protocol.DryRun:
		return "was a dry run"
	case r.Status == protocol.StatusGateFailed:
		return "failed the gate"
	case r.Status == protocol.StatusFailed:
		return "failed"
	case r.Status == protocol.StatusInterrupted:
		return "was interrupted"
	case r.Status == protocol.StatusRunning:
		return "is still running"
	case r.Protocol == nil:
		return "has no protocol"
	}
	return "is " + strings.ReplaceAll(r.Status, "_", " ")
}

// signoffs checks r for the sign-off of each role env requires (four
// eyes: distinct people, and not its starter as reviewer; an account's
// where env requires it authenticated): the sentences of what lacks, and
// the sign-offs found.
func signoffs(ctx context.Context, ev Evidence, r *state.Run, env *project.Environment) (lacking []string, found []state.Approval, err error) {
	if len(env.Approvals) == 0 {
		return nil, nil, nil
	}
	all, err := ev.Approvals(ctx, r.Number)
	if err != nil {
		return nil, nil, err
	}
	signer := map[string]string{} // person → the role they signed
	for _, role := range env.Approvals {
		as, ask := all, fmt.Sprintf(`"handover approve %d --as %s --by NAME"`, r.Number, role)
		authenticated := env.NeedsAuthenticated(role)
		if authenticated {
			as = CountingAuthenticated(all)
			ask = fmt.Sprintf("%s requires it authenticated: the %s signs run %d in the web server (handover serve), logged in with their account", env.Name, role, r.Number)
		}
		a, ok := Latest(as, role)
		switch {
		case !ok && authenticated:
			what := fmt.Sprintf("run %d needs a sign-off by %s from an account of the web server", r.Number, role)
			if u, signed := Approved(all, role); signed {
				what += fmt.Sprintf(" (%s on the command line is unauthenticated and does not count)", Describe(u))
			}
			lacking = append(lacking, fmt.Sprintf("%s (%s)", what, ask))
		case !ok:
			lacking = append(lacking, fmt.Sprintf("run %d needs a sign-off by %s (%s)", r.Number, role, ask))
		case a.Refused:
			lacking = append(lacking, fmt.Sprintf("run %d was refused by %s (%s) — it needs a new sign-off by %s (%s)",
				r.Number, role, Describe(a), role, ask))
		case role == RoleReviewer && samePerson(a.By, r.StartedBy):
			lacking = append(lacking, fmt.Sprintf("run %d was started by %s, who cannot review it: it needs a sign-off by another reviewer (%s)",
				r.Number, a.By, ask))
		case signer[person(a.By)] != "":
			lacking = append(lacking, fmt.Sprintf("run %d: %s signed as %s and as %s — each role needs another person (%s)",
				r.Number, a.By, signer[person(a.By)], role, ask))
		default:
			signer[person(a.By)] = role
			found = append(found, a)
		}
	}
	return lacking, found, nil
}

// CountingAuthenticated keeps what can satisfy or block a role that must
// sign authenticated: the sign-offs of accounts, and every refusal (a
// refusal only ever blocks, whoever gave it).
func CountingAuthenticated(as []state.Approval) []state.Approval {
	var out []state.Approval
	for _, a := range as {
		if a.Authenticated || a.Refused {
			out = append(out, a)
		}
	}
	return out
}

// RoleReviewer is the role the starter of a run may not sign.
const RoleReviewer = "reviewer"

// person is the identity four-eyes rules compare: trimmed, case-folded.
func person(by string) string { return strings.ToLower(strings.TrimSpace(by)) }

func samePerson(a, b string) bool { return person(a) != "" && person(a) == person(b) }

// Latest returns the last approval or refusal by role among as, which are
// in the order given: a later refusal cancels an earlier sign-off and a
// later sign-off replaces an earlier refusal.
func Latest(as []state.Approval, role string) (state.Approval, bool) {
	for i := len(as) - 1; i >= 0; i-- {
		if as[i].Role == role {
			return as[i], true
		}
	}
	return state.Approval{}, false
}

// Approved reports whether role's latest word on as is a sign-off.
func Approved(as []state.Approval, role string) (state.Approval, bool) {
	a, ok := Latest(as, role)
	return a, ok && !a.Refused
}

// Describe renders an approval as "approved by Anna (customer) 2026-12-13"
// or "refused by …", with its note.
func Describe(a state.Approval) string { return record.Describe(a) }

func runEvidence(r *state.Run, found []state.Approval) string {
	s := fmt.Sprintf("%s: run %d, extraction %d, passed the gate %s", r.Env, r.Number, r.Extraction, day(r.Finished))
	if r.Protocol.Forced != "" {
		s += fmt.Sprintf(" (forced: %s)", r.Protocol.Forced)
	}
	for _, a := range found {
		s += "; " + Describe(a)
	}
	return s
}

// checkFreeze applies the freeze policy to req.
func checkFreeze(ctx context.Context, ev Evidence, d *Decision, env *project.Environment, req Request) error {
	f := req.Freeze
	if f.Off || req.Extraction <= 1 || !f.applies(env) {
		return nil
	}
	key := f.Fact
	if key == "" {
		key = FreezeFact
	}
	by, at, ok, err := ev.Fact(ctx, key)
	if err != nil {
		return err
	}
	switch {
	case !ok:
		d.Missing = append(d.Missing, fmt.Sprintf(
			`freeze: extraction %d is a later extraction, but the source was never frozen (the customer sets it read-only, then "handover freeze --by NAME"; then deliver the extraction again)`,
			req.Extraction))
	case !req.Received.IsZero() && at.After(req.Received):
		d.Missing = append(d.Missing, fmt.Sprintf(
			"freeze: extraction %d was received %s, before the source was frozen %s — receive a new extraction taken after the freeze",
			req.Extraction, stamp(req.Received), stamp(at)))
	default:
		d.Evidence = append(d.Evidence, fmt.Sprintf("freeze: source frozen by %s %s", by, day(at)))
	}
	return nil
}

func (f Freeze) applies(env *project.Environment) bool {
	if len(f.Envs) == 0 {
		return len(env.Requires) > 0
	}
	for _, e := range f.Envs {
		if e == env.Name {
			return true
		}
	}
	return false
}

func day(t time.Time) string {
	if t.IsZero() {
		return "(no date)"
	}
	return t.Format(time.DateOnly)
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }
