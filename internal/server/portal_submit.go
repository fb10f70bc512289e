package server

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/handover/handover/internal/account"
)

// portalDeliveryOf finds extraction n among migration m's deliveries; nil when
// there is none.
func (s *Server) portalDeliveryOf(r *http.Request, m string, n int) (*DeliverySummary, error) {
	ds, err := s.svc.Deliveries(r.Context(), m)
	if err != nil {
		return nil, err
	}
	for i := range ds {
		if ds[i].Extraction == n {
			return &ds[i], nil
		}
	}
	return nil, nil
}

// portalSubmit submits a delivery to the team: the extraction it imports.
func (s *Server) portalSubmit(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return errStatus(http.StatusNotFound, "delivery %q not found", r.PathValue("n"))
	}
	if acc.Role != account.RoleCustomer {
		return errForbidden("submit a delivery (the customer's account does)")
	}
	d, err := s.svc.SubmitDelivery(r.Context(), SubmitRequest{Actor: actorOf(acc), Migration: m, Extraction: n})
	if err != nil {
		return err
	}
	flash := fmt.Sprintf("You submitted delivery %d to the team: it is the one they import.", d.Extraction)
	http.Redirect(w, r, portalPath(m)+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
	return nil
}

// comparisonOf compares the check's delivery with the previous one, when
// run is that delivery's newest check; nil otherwise.
func (s *Server) comparisonOf(r *http.Request, m string, run *RunDetail) (*DeliveryComparison, *DeliverySummary, error) {
	if run.Kind != "check" || run.Protocol == nil {
		return nil, nil, nil
	}
	d, err := s.portalDeliveryOf(r, m, run.Extraction)
	if err != nil || d == nil || d.Run != run.Run {
		return nil, d, err
	}
	c, err := s.svc.CompareDelivery(r.Context(), m, run.Extraction)
	if errors.Is(err, ErrRefused) {
		return nil, d, nil // no finished check to compare yet
	}
	if err != nil || c.Previous == 0 {
		return nil, d, err
	}
	return c, d, nil
}
