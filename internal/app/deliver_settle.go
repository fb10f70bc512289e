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
}

// RecoverDeliveries finishes what a server killed between storing an
// upload and recording it left undone: an extraction uploaded through the
// portal (its manifest names the account) without a delivery record gets
// the check it should have had — queued as its uploader, unless a check
// of it exists already (the kill came after the queueing) — and its audit
// entries and record. A server calls it when it starts; calling it again
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
	actor := Actor{Name: x.By, Authenticated: true}
	if _, _, err := s.settleDelivery(ctx, p, x, actor, req.Queue, true); err != nil {
		return false, err
	}
	return true, nil
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
func (s *Service) settleDelivery(ctx context.Context, p *project.Project, x *extract.Extraction, actor Actor, queue Queuer, recovering bool) (int, []FileProblem, error) {
	ctx = context.WithoutCancel(ctx)
	run := 0
	if recovering {
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
	return run, problems, s.recordDelivery(ctx, p, x, actor, run, problems, recovering)
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
func (s *Service) recordDelivery(ctx context.Context, p *project.Project, x *extract.Extraction, actor Actor, run int, problems []FileProblem, recovering bool) error {
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
	if recovering {
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
	if recovering {
		detail += " (completed when the server started again: the upload was interrupted after the extraction was stored)"
	}
	if err := st.Audit(ctx, actor.String(), ActionDeliver, detail, s.now()); err != nil {
		return fmt.Errorf("extraction %d stored, but its delivery not audited: %w", x.Number, err)
	}
	return setDelivery(ctx, st, x.Number, deliveryRecord{By: actor.String(), Run: run}, s.now())
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
