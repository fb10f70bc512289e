package app

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/promote"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/runbook"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

// The state store's records, for front ends.
type (
	// Run is one recorded run.
	Run = state.Run
	// Approval is a sign-off on a run by a role, or a refusal.
	Approval = state.Approval
	// AuditEntry is one entry of the audit log.
	AuditEntry = state.AuditEntry
)

// DescribeApproval is "approved by NAME (ROLE) DATE: note" or the refusal.
func DescribeApproval(ap Approval) string { return promote.Describe(ap) }

type SignOffRequest = usecase.SignOffRequest

type SignOffResult = usecase.SignOffResult

// SignOff records a sign-off or refusal of a run, audits it and tells the
// webhooks. It is unauthenticated (the command line's): only the web
// server's accounts give authenticated sign-offs (Served.Countersign).
func (s *Service) SignOff(ctx context.Context, req SignOffRequest) (*SignOffResult, error) {
	by := strings.TrimSpace(req.By)
	if by == "" && strings.TrimSpace(req.Actor.Name) != "" {
		by = req.Actor.String()
	}
	switch {
	case req.Run <= 0:
		return nil, invalid("RUN must be a run number, not %d", req.Run)
	case !project.ValidRole(req.Role):
		return nil, invalid("--as must be reviewer, customer or lead, not %q", req.Role)
	case by == "":
		return nil, invalid("--by NAME is required: who signs (or set HANDOVER_USER)")
	case req.Refused && strings.TrimSpace(req.Note) == "":
		return nil, invalid("reject-run needs --note TEXT: why the run is refused")
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	run, err := ss.st.Run(ctx, req.Run)
	switch {
	case errors.Is(err, state.ErrNotFound):
		return nil, &NotFoundError{Err: err}
	case err != nil:
		return nil, err
	case run.Status == protocol.StatusRunning:
		return nil, invalid("run %d is still running: sign it off once it has finished", req.Run)
	}
	ap := Approval{Run: req.Run, Role: req.Role, By: by, Note: req.Note, At: s.now(), Refused: req.Refused}
	events := s.outboxed(ctx, ss.st, ss.p, notify.SignoffEvent(ss.p.Migration, notify.Signoff{Run: req.Run, Env: run.Env,
		Role: ap.Role, By: ap.By, Note: ap.Note, Refused: ap.Refused}, ap.At))
	if err := ss.st.AddApproval(ctx, ap, events...); err != nil { // with its audit entry and events
		return nil, err
	}
	res := &SignOffResult{Run: run, Approval: ap}
	if !ap.Refused && !promote.Passed(run) {
		res.NotCounting = notCounting(run)
	}
	if !ap.Refused && !ap.Authenticated {
		res.NeedsAuthenticated = needsAuthenticated(ss.p, run.Env, ap.Role)
	}
	res.Warnings = s.drain(ctx, ss.st, ss.p)
	return res, nil
}

// needsAuthenticated lists the environments requiring env whose
// promotion needs role's sign-off from an account of the web server.
func needsAuthenticated(p *project.Project, env, role string) []string {
	var out []string
	for _, name := range p.EnvOrder {
		e := p.Environments[name]
		if slices.Contains(e.Requires, env) && e.NeedsAuthenticated(role) {
			out = append(out, name)
		}
	}
	return out
}

// notCounting says why a run cannot satisfy a promotion.
func notCounting(r *Run) string {
	switch {
	case r.Kind != protocol.KindImport:
		return "is a " + r.Kind + ", not an import"
	case r.Protocol != nil && r.Protocol.DryRun:
		return "was a dry run"
	}
	return "did not succeed (" + r.Status + ")"
}

type ConfirmRequest = usecase.ConfirmRequest

type ConfirmResult = usecase.ConfirmResult

// Detail is the confirmation as the audit log words it.

// Freeze records that the source system is read-only (the freeze step).
func (s *Service) Freeze(ctx context.Context, req ConfirmRequest) (*ConfirmResult, error) {
	req.Step = runbook.StepFreeze
	return s.Confirm(ctx, req)
}

// Confirm records a confirmation step and audits it. Freezing twice keeps
// the first freeze.
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (*ConfirmResult, error) {
	by := strings.TrimSpace(req.By)
	if by == "" {
		return nil, invalid("--by NAME is required: who confirms")
	}
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	if err := confirmable(p, req.Step); err != nil {
		return nil, err
	}
	st, err := s.openState(ctx, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	prev, at, done, err := st.Fact(ctx, req.Step)
	if err != nil {
		return nil, err
	}
	if req.Step == runbook.StepFreeze && done {
		return &ConfirmResult{Step: req.Step, By: prev, Note: req.Note, At: at, Already: true}, nil
	}
	at = s.now()
	if err := st.SetFact(ctx, req.Step, by, at); err != nil {
		return nil, err
	}
	action := ActionConfirm
	if req.Step == runbook.StepFreeze {
		action = ActionFreeze
	}
	if err := st.Audit(ctx, by, action, confirmDetail(req.Step, by, req.Note), at); err != nil {
		return nil, err
	}
	res := &ConfirmResult{Step: req.Step, By: by, Note: req.Note, At: at}
	if req.Step == runbook.StepFreeze {
		res.Warnings = s.emit(ctx, st, p, notify.FreezeEvent(p.Migration, notify.Freeze{By: by, Note: req.Note}, at))
	}
	return res, nil
}

func confirmDetail(step, by, note string) string { return usecase.ConfirmDetail(step, by, note) }

// confirmable checks that step is done by a confirmation: kickoff,
// preprod_refreshed, freeze, or a step added in handover.yaml.
func confirmable(p *project.Project, step string) error {
	byConfirmation := []string{runbook.StepKickoff, runbook.StepPreprodRefreshed, runbook.StepFreeze}
	byEvidence := []string{runbook.StepExtraction1, runbook.StepDevGate, runbook.StepFileInitial, runbook.StepPreprodImport,
		runbook.StepRejects, runbook.StepCustomerValidation, runbook.StepExtraction2, runbook.StepProdImport,
		runbook.StepFileDelta, runbook.StepFixup, runbook.StepSignoff}
	removed := false
	for _, s := range p.Plan {
		switch {
		case s.Remove:
			removed = removed || s.ID == step
		case !slices.Contains(byEvidence, s.ID) && !slices.Contains(byConfirmation, s.ID):
			byConfirmation = append(byConfirmation, s.ID)
		}
	}
	switch {
	case removed:
		return invalid("step %s is removed in %s's plan:", step, project.ConfigFile)
	case slices.Contains(byEvidence, step):
		return invalid(`step %s is done by runs and sign-offs, not by a confirmation: "handover plan" shows what it needs`, step)
	case !slices.Contains(byConfirmation, step):
		return invalid("no step %q to confirm (steps confirmed by hand: %s)", step, strings.Join(byConfirmation, ", "))
	}
	return nil
}
