package app

import (
	"context"
	"fmt"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// ActionSubmit is the audit action of a delivery the customer submitted.
const ActionSubmit = "submit"

// Statuses of a delivery.
const (
	DeliveryReceived  = "received"     // stored, not checked
	DeliveryChecking  = "checking"     // its check is queued or running
	DeliveryChecked   = "checked"      // its check finished
	DeliveryUnchecked = "check_failed" // its check failed before validating (a missing column, …)
	DeliverySubmitted = "submitted"    // the customer submitted it to the team
)

// Delivery is one extraction as the portal lists it.
type Delivery struct {
	Extraction  int
	Label       string
	Received    time.Time
	Files       int
	Size        int64
	By          string // who uploaded it through the portal; "" when received otherwise
	Run         int    // the newest check of it; 0: none
	RunStatus   string
	Rows        int64 // read by that check
	Rejected    int64 // rejected by that check
	Submitted   time.Time
	SubmittedBy string
	Status      string // Delivery…
}

// DeliveriesRequest asks for a project's deliveries.
type DeliveriesRequest struct {
	Actor   Actor
	Project string
}

// Deliveries lists every extraction, oldest first, with its newest check
// and whether it was submitted.
func (s *Service) Deliveries(ctx context.Context, req DeliveriesRequest) ([]Delivery, error) {
	ss, err := s.openReadOnly(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	store, err := s.extractions(ctx, ss.p)
	if err != nil {
		return nil, err
	}
	xs, err := store.List()
	if err != nil {
		return nil, err
	}
	checks, err := s.checksByExtraction(ctx, ss)
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(xs))
	for _, x := range xs {
		d, err := s.delivery(ctx, ss, x, checks[x.Number])
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// checksByExtraction returns the newest check of each extraction.
func (s *Service) checksByExtraction(ctx context.Context, ss *session) (map[int]*Run, error) {
	runs, err := ss.st.Runs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	out := map[int]*Run{}
	for _, r := range runs {
		if r.Kind == protocol.KindCheck {
			out[r.Extraction] = r // ascending: the newest wins
		}
	}
	return out, nil
}

func (s *Service) delivery(ctx context.Context, ss *session, x *extract.Extraction, check *Run) (*Delivery, error) {
	rec, err := getDelivery(ctx, ss.st, x.Number)
	if err != nil {
		return nil, err
	}
	d := &Delivery{Extraction: x.Number, Label: x.Label, Received: x.Received, Files: len(x.Files), By: rec.By,
		Submitted: rec.Submitted, SubmittedBy: rec.SubmittedBy, Status: DeliveryReceived}
	for _, f := range x.Files {
		d.Size += f.Size
	}
	if check != nil {
		d.Run, d.RunStatus = check.Number, check.Status
		switch {
		case check.Status == StatusQueued || check.Status == protocol.StatusRunning:
			d.Status = DeliveryChecking
		case check.Protocol == nil || len(check.Protocol.Entities) == 0:
			d.Status = DeliveryUnchecked
		default:
			d.Status = DeliveryChecked
			for _, e := range check.Protocol.Entities {
				d.Rows += e.Read
				d.Rejected += e.Rejected
			}
		}
	}
	if !d.Submitted.IsZero() {
		d.Status = DeliverySubmitted
	}
	return d, nil
}

// SubmitRequest asks to submit extraction n to the team: it becomes the
// extraction an import takes by default.
type SubmitRequest struct {
	Actor      Actor
	Project    string
	Extraction int
}

// SubmitDelivery records that the customer submitted extraction n (an
// audited decision of their account). From then on an import without an
// extraction number takes the newest submitted extraction. Submitting one
// twice is refused.
func (s *Service) SubmitDelivery(ctx context.Context, req SubmitRequest) (*Delivery, error) {
	if req.Extraction <= 0 {
		return nil, invalid("name the extraction to submit, not %d", req.Extraction)
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	x, err := s.extraction(ctx, ss.p, req.Extraction)
	if err != nil {
		return nil, err
	}
	rec, err := getDelivery(ctx, ss.st, x.Number)
	if err != nil {
		return nil, err
	}
	if !rec.Submitted.IsZero() {
		return nil, &RefusedError{fmt.Sprintf("extraction %d was submitted already, by %s at %s", x.Number, rec.SubmittedBy, rec.Submitted.UTC().Format(time.RFC3339))}
	}
	checks, err := s.checksByExtraction(ctx, ss)
	if err != nil {
		return nil, err
	}
	if c := checks[x.Number]; c != nil && (c.Status == StatusQueued || c.Status == protocol.StatusRunning) {
		return nil, &RefusedError{fmt.Sprintf("extraction %d is being checked (run %d): submit it once the check has finished", x.Number, c.Number)}
	}
	now := s.now()
	rec.Submitted, rec.SubmittedBy = now.UTC(), req.Actor.String()
	if err := setDelivery(ctx, ss.st, x.Number, rec, now); err != nil {
		return nil, err
	}
	detail := fmt.Sprintf("extraction %d submitted to the team: an import without --extraction takes it", x.Number)
	if err := ss.st.Audit(context.WithoutCancel(ctx), req.Actor.String(), ActionSubmit, detail, now); err != nil {
		return nil, fmt.Errorf("extraction %d submitted, but not audited: %w", x.Number, err)
	}
	return s.delivery(ctx, ss, x, checks[x.Number])
}

// importExtraction is the extraction an import (or diff) takes: n, or
// without a number the newest extraction the customer submitted, else the
// newest.
func (s *Service) importExtraction(ctx context.Context, st Store, p *project.Project, n int) (*extract.Extraction, error) {
	if n != 0 {
		return s.extraction(ctx, p, n)
	}
	store, err := s.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	xs, err := store.List()
	if err != nil {
		return nil, err
	}
	for i := len(xs) - 1; i >= 0; i-- {
		rec, err := getDelivery(ctx, st, xs[i].Number)
		if err != nil {
			return nil, err
		}
		if !rec.Submitted.IsZero() {
			return xs[i], nil
		}
	}
	return s.extraction(ctx, p, 0)
}
