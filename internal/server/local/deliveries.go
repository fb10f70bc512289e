package local

import (
	"context"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/server"
)

// DeliveryLimits are migration m's upload limits: the server's flags, then
// the project's portal:, then the defaults.
func (s *Service) DeliveryLimits(_ context.Context, m string) (server.DeliveryLimits, error) {
	sv, err := s.served(m)
	if err != nil {
		return server.DeliveryLimits{}, err
	}
	p, err := sv.Project()
	if err != nil {
		return server.DeliveryLimits{}, mapErr(err)
	}
	l := app.DeliveryLimitsOf(p, s.cfg.DeliveryLimits)
	return server.DeliveryLimits{MaxFileSize: l.MaxFileSize, MaxDeliverySize: l.MaxDeliverySize}, nil
}

// Deliver stores an upload through app.Deliver, which queues its check
// on this Service's run queue (River jobs, or its workers).
func (s *Service) Deliver(ctx context.Context, req server.DeliverRequest) (*server.Delivery, error) {
	sv, err := s.served(req.Migration)
	if err != nil {
		return nil, err
	}
	res, err := s.cfg.App.Deliver(ctx, app.DeliverRequest{Actor: actor(req.Actor), Project: sv.Dir(), Parts: req.Parts,
		Limits: s.cfg.DeliveryLimits, Queue: runQueue{s, req.Migration, sv}})
	if err != nil {
		var tl *app.TooLargeError
		if errors.As(err, &tl) {
			return nil, fmt.Errorf("%w: %s", server.ErrTooLarge, tl.Error())
		}
		return nil, mapErr(err)
	}
	return deliveryJSON(res), nil
}

func deliveryJSON(res *app.DeliverResult) *server.Delivery {
	d := &server.Delivery{Extraction: res.Extraction, Run: res.Run, Files: []server.DeliveredFile{}, Problems: problemsJSON(res.Problems)}
	for _, f := range res.Files {
		d.Files = append(d.Files, server.DeliveredFile{Name: f.Name, Entity: f.Entity, Size: f.Size, Format: f.Format,
			Encoding: f.Encoding, Delimiter: f.Delimiter, Header: f.Header, Columns: f.Columns, Rows: f.Rows, Problems: problemsJSON(f.Problems)})
	}
	return d
}

func problemsJSON(ps []app.FileProblem) []server.FileProblem {
	out := make([]server.FileProblem, 0, len(ps))
	for _, p := range ps {
		out = append(out, server.FileProblem{Kind: p.Kind, Column: p.Column, Found: p.Found, Message: p.Message})
	}
	return out
}

// Deliveries lists the migration's extractions with their status.
func (s *Service) Deliveries(ctx context.Context, m string) ([]server.DeliverySummary, error) {
	sv, err := s.served(m)
	if err != nil {
		return nil, err
	}
	ds, err := s.cfg.App.Deliveries(ctx, app.DeliveriesRequest{Project: sv.Dir()})
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]server.DeliverySummary, 0, len(ds))
	for _, d := range ds {
		out = append(out, summaryJSON(d))
	}
	return out, nil
}

func summaryJSON(d app.Delivery) server.DeliverySummary {
	out := server.DeliverySummary{Extraction: d.Extraction, Label: d.Label, Received: d.Received, Files: d.Files, Size: d.Size,
		By: d.By, Run: d.Run, RunStatus: d.RunStatus, Rows: d.Rows, Rejected: d.Rejected, SubmittedBy: d.SubmittedBy, Status: d.Status}
	if !d.Submitted.IsZero() {
		t := d.Submitted
		out.Submitted = &t
	}
	return out
}

// CompareDelivery compares extraction n's check with extraction n−1's.
func (s *Service) CompareDelivery(ctx context.Context, m string, n int) (*server.DeliveryComparison, error) {
	sv, err := s.served(m)
	if err != nil {
		return nil, err
	}
	c, err := s.cfg.App.CompareDeliveries(ctx, app.CompareRequest{Project: sv.Dir(), Extraction: n})
	if err != nil {
		return nil, mapErr(err)
	}
	out := &server.DeliveryComparison{Extraction: c.Extraction, Run: c.Run, Previous: c.Previous, PreviousRun: c.PreviousRun,
		Entities: []server.EntityComparison{}}
	for _, e := range c.Entities {
		out.Entities = append(out.Entities, server.EntityComparison{Entity: e.Entity, Rows: e.Rows, PreviousRows: e.PreviousRows,
			Added: e.Added, Rejected: e.Rejected, PreviousRejected: e.PreviousRejected, Fixed: e.Fixed, StillFailing: e.StillFailing, NewFailing: e.NewFailing})
	}
	return out, nil
}

// SubmitDelivery records the customer's submission of extraction n.
func (s *Service) SubmitDelivery(ctx context.Context, req server.SubmitRequest) (*server.DeliverySummary, error) {
	sv, err := s.served(req.Migration)
	if err != nil {
		return nil, err
	}
	d, err := s.cfg.App.SubmitDelivery(ctx, app.SubmitRequest{Actor: actor(req.Actor), Project: sv.Dir(), Extraction: req.Extraction})
	if err != nil {
		return nil, mapErr(err)
	}
	out := summaryJSON(*d)
	return &out, nil
}
