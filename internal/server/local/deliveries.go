package local

import (
	"context"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/protocol"
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

// Deliver stores an upload through app.Deliver and queues its check the
// way Start queues one (River jobs, or this Service's workers).
func (s *Service) Deliver(ctx context.Context, req server.DeliverRequest) (*server.Delivery, error) {
	sv, err := s.served(req.Migration)
	if err != nil {
		return nil, err
	}
	queue := func(ctx context.Context, q app.QueueRequest) (int, error) {
		return s.Start(ctx, server.StartRequest{Actor: req.Actor, Migration: req.Migration, Kind: protocol.KindCheck, Extraction: q.Extraction})
	}
	res, err := s.cfg.App.Deliver(ctx, app.DeliverRequest{Actor: actor(req.Actor), Project: sv.Dir(), Parts: req.Parts,
		Limits: s.cfg.DeliveryLimits, Queue: queue})
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
