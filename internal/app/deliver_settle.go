package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// RecoverDeliveriesRequest asks to finish the portal uploads of a project
// that a killed server stored but did not queue a check of.
type RecoverDeliveriesRequest struct {
	Project string
	Queue   Queuer
	// Uploader verifies the account an upload's manifest names, now: the
	// actor to queue its check as, or why that account may no longer
	// deliver to the project's migration (one phrase: removed, no longer
	// scoped to it, a role that may not upload). nil: no account can be
	// verified.
	Uploader func(ctx context.Context, name string) (actor Actor, refused string, err error)
}

// recoveryActor queues the check of a recovered upload whose account
// could not be verified: the system, not a person.
var recoveryActor = Actor{Name: "handover"}

// RecoverDeliveries finishes what a server killed between storing an
// upload and recording it left undone: an extraction uploaded through the
// portal (its manifest names the account) without a delivery record gets
// the check it should have had — queued as its uploader, unless a check
// of it exists already (the kill came after the queueing) — and its audit
// entries and record. The uploader is the manifest's account only once
// req.Uploader verifies it still may deliver to the migration; otherwise
// the check is queued, and the receive and the delivery audited, as the
// system ("handover"), the delivery's entry saying whose upload it was and
// why that account was not used. A server calls it when it starts; calling it again
// changes nothing, and so does calling it from several servers on one
// state store at once: each delivery is settled by the one holding its
// claim (claimSettle), and one settled meanwhile is left alone. It
// returns the extractions it finished.
func (s *Service) RecoverDeliveries(ctx context.Context, req RecoverDeliveriesRequest) ([]int, error) {
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	pending, err := s.unsettled(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("recover deliveries: %w", err)
	}
	var done []int
	for _, x := range pending {
		ok, err := s.recoverDelivery(ctx, p, x, req)
		if err != nil {
			return done, fmt.Errorf("recover deliveries: extraction %d: %w", x.Number, err)
		}
		if ok {
			done = append(done, x.Number)
		}
	}
	return done, nil
}

// recoverDelivery settles x's delivery under its claim; ok is false when
// another process holds the claim or has settled it since it was listed.
func (s *Service) recoverDelivery(ctx context.Context, p *project.Project, x *extract.Extraction, req RecoverDeliveriesRequest) (bool, error) {
	release, ok, err := s.claimSettle(ctx, p, x.Number)
	if err != nil || !ok {
		return false, err
	}
	defer release()
	if _, settled, err := s.delivered(ctx, p, x.Number); err != nil || settled {
		return false, err
	}
	actor, refused, err := uploader(ctx, req, x.By)
	if err != nil {
		return false, fmt.Errorf("verify the account of %s: %w", x.By, err)
	}
	rc := &recovery{uploader: x.By, refused: refused}
	if _, _, err := s.settleDelivery(ctx, p, x, actor, req.Queue, rc); err != nil {
		return false, err
	}
	return true, nil
}

// recovery is what settleDelivery needs to know of a recovered upload:
// who uploaded it (the manifest), and why that account was not used
// ("" when it was).
type recovery struct {
	uploader string
	refused  string
}

// uploader is the actor a recovered upload of name is settled as: the
// account req.Uploader verifies, else the system, with the reason.
func uploader(ctx context.Context, req RecoverDeliveriesRequest, name string) (Actor, string, error) {
	if req.Uploader == nil {
		return recoveryActor, "no account store verifies it", nil
	}
	a, refused, err := req.Uploader(ctx, name)
	switch {
	case err != nil:
		return Actor{}, "", err
	case refused != "":
		return recoveryActor, refused, nil
	case !a.Authenticated || !strings.EqualFold(a.Name, name):
		return recoveryActor, "the account store answered for another account", nil
	}
	return a, "", nil
}

// unsettled lists the extractions uploaded through the portal that have
// no delivery record.
func (s *Service) unsettled(ctx context.Context, p *project.Project) ([]*extract.Extraction, error) {
	xs, err := s.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	list, err := xs.List()
	if err != nil {
		return nil, err
	}
	st, err := s.openState(ctx, p)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []*extract.Extraction
	for _, x := range list {
		if x.By == "" {
			continue
		}
		if _, _, ok, err := st.Fact(ctx, deliveryKey(x.Number)); err != nil {
			return nil, err
		} else if !ok {
			out = append(out, x)
		}
	}
	return out, nil
}

// settleDelivery does what follows the storing of an uploaded extraction
// x: it queues its check (recovering: unless one exists), audits the
// receive and the delivery, and records the delivery last, so that an
// upload interrupted anywhere before is found by RecoverDeliveries. A
// check the project refuses is a problem of the delivery, not an error.
// It carries on when the uploader has gone: the extraction is stored.
func (s *Service) settleDelivery(ctx context.Context, p *project.Project, x *extract.Extraction, actor Actor, queue Queuer, rc *recovery) (int, []FileProblem, error) {
	ctx = context.WithoutCancel(ctx)
	run := 0
	if rc != nil {
		n, err := s.checkOf(ctx, p, x.Number)
		if err != nil {
			return 0, nil, fmt.Errorf("extraction %d: %w", x.Number, err)
		}
		run = n
	}
	var problems []FileProblem
	if run == 0 && queue != nil {
		n, err := queue.QueueRun(ctx, QueueRequest{Actor: actor, Project: p.Dir, Kind: protocol.KindCheck, Extraction: x.Number})
		var refused *RefusedError
		switch {
		case IsInvalid(err) || errors.As(err, &refused):
			problems = append(problems, FileProblem{Kind: ProblemCheckNotStarted,
				Message: fmt.Sprintf("the check of extraction %d could not start: %v", x.Number, err)})
		case err != nil:
			return 0, nil, fmt.Errorf("extraction %d stored, but its check was not queued: %w", x.Number, err)
		default:
			run = n
		}
	}
	return run, problems, s.recordDelivery(ctx, p, x, actor, run, problems, rc)
}

// checkOf is the newest check of extraction n; 0 when none.
func (s *Service) checkOf(ctx context.Context, p *project.Project, n int) (int, error) {
	st, err := s.openState(ctx, p)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return 0, fmt.Errorf("read runs: %w", err)
	}
	run := 0
	for _, r := range runs {
		if r.Kind == protocol.KindCheck && r.Extraction == n {
			run = r.Number
		}
	}
	return run, nil
}

// recordDelivery audits the receive (as `handover receive` does; once)
// and the delivery with its account, then records which run checks it:
// the record is written last, and says the delivery is complete.
func (s *Service) recordDelivery(ctx context.Context, p *project.Project, x *extract.Extraction, actor Actor, run int, problems []FileProblem, rc *recovery) error {
	st, err := s.openState(ctx, p)
	if err != nil {
		return fmt.Errorf("extraction %d stored, but not recorded: %w", x.Number, err)
	}
	defer st.Close()
	names := make([]string, 0, len(x.Files))
	for _, f := range x.Files {
		names = append(names, f.Path)
	}
	detail := receiveDetail(x)
	done := false
	if rc != nil {
		if done, err = audited(ctx, st, ActionReceive, detail); err != nil {
			return fmt.Errorf("extraction %d stored, but not recorded: %w", x.Number, err)
		}
	}
	if !done {
		if err := st.Audit(ctx, actor.String(), ActionReceive, detail, x.Received); err != nil {
			return fmt.Errorf("receive: extraction %d stored, but not audited: %w", x.Number, err)
		}
	}
	detail = fmt.Sprintf("extraction %d uploaded through the portal (%s)", x.Number, strings.Join(names, ", "))
	if run > 0 {
		detail += fmt.Sprintf(", check run %d queued", run)
	}
	for _, pr := range problems {
		detail += "; " + pr.Message
	}
	by := actor.String()
	if rc != nil {
		detail += " (completed when the server started again: the upload was interrupted after the extraction was stored)"
		if rc.refused != "" {
			detail += fmt.Sprintf("; uploaded by %s, whose account was not used: %s", rc.uploader, rc.refused)
		}
		by = rc.uploader // the record says who uploaded it, as the manifest does
	}
	if err := st.Audit(ctx, actor.String(), ActionDeliver, detail, s.now()); err != nil {
		return fmt.Errorf("extraction %d stored, but its delivery not audited: %w", x.Number, err)
	}
	return setDelivery(ctx, st, x.Number, deliveryRecord{By: by, Run: run}, s.now())
}

// audited reports whether the audit log has an entry of action with
// detail. A log it cannot read is an error, not a "no": an entry written
// again would say the delivery was received twice.
func audited(ctx context.Context, st Store, action, detail string) (bool, error) {
	log, err := st.AuditLog(ctx)
	if err != nil {
		return false, fmt.Errorf("read the audit log: %w", err)
	}
	for _, e := range log {
		if e.Action == action && e.Detail == detail {
			return true, nil
		}
	}
	return false, nil
}
