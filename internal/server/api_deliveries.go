package server

import (
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"

	"github.com/handover/handover/internal/account"
)

// multipartSlack is what a multipart body may hold beyond the files:
// boundaries and part headers.
const multipartSlack = 1 << 20

// maxParts bounds the parts of one upload, form fields included.
const maxParts = 2000

func (s *Server) deliveryRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST", "/api/v1/migrations/{m}/deliveries", s.authed(s.apiDeliver))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/deliveries", s.authed(s.apiDeliveries))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/deliveries/{n}/compare", s.authed(s.apiCompareDelivery))
	s.handle(mux, "POST", "/api/v1/migrations/{m}/deliveries/{n}/submit", s.authed(s.apiSubmitDelivery))
}

func (s *Server) apiDeliveries(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	ds, err := s.svc.Deliveries(r.Context(), m)
	if err != nil {
		return err
	}
	if ds == nil {
		ds = []DeliverySummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": ds})
	return nil
}

// deliveryOf returns {m} and {n} when acc may see them.
func (s *Server) deliveryOf(r *http.Request, acc *account.Account) (string, int, error) {
	m, err := s.migration(r, acc)
	if err != nil {
		return "", 0, err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return "", 0, errStatus(http.StatusNotFound, "delivery %q not found", r.PathValue("n"))
	}
	return m, n, nil
}

func (s *Server) apiCompareDelivery(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, n, err := s.deliveryOf(r, acc)
	if err != nil {
		return err
	}
	c, err := s.svc.CompareDelivery(r.Context(), m, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

// apiSubmitDelivery: the customer submits extraction n to the team; the
// team's import takes it by default from then on.
func (s *Server) apiSubmitDelivery(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, n, err := s.deliveryOf(r, acc)
	if err != nil {
		return err
	}
	if !may(acc.Role, "submit") {
		return errForbidden("submit a delivery (the customer does)")
	}
	d, err := s.svc.SubmitDelivery(r.Context(), SubmitRequest{Actor: actorOf(acc), Migration: m, Extraction: n})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// apiDeliver stores a multipart upload as the next extraction and queues
// its check: 201 {"extraction", "run", "files", "problems"}.
func (s *Server) apiDeliver(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, up, err := s.uploadTo(r, acc)
	if err != nil {
		return err
	}
	d, err := s.receiveUpload(w, r, acc, m, up.Limits)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/migrations/%s/deliveries/%d", m, d.Extraction))
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// uploadTo is {m} and its upload form when acc may deliver to it: the
// prologue of the API's and the portal's upload.
func (s *Server) uploadTo(r *http.Request, acc *account.Account) (string, *uploadForm, error) {
	m, err := s.migration(r, acc)
	if err != nil {
		return "", nil, err
	}
	up, err := s.uploadOf(r, acc, m)
	if err != nil {
		return "", nil, err
	}
	if up == nil {
		return "", nil, errForbidden("upload a delivery")
	}
	return m, up, nil
}

// receiveUpload reads the multipart body within the delivery limit and
// hands its files to the application; a body over the limit is 413 with
// nothing kept, and what is left of a refused body is read (within the
// limit) so that the client, a browser too, gets the answer.
func (s *Server) receiveUpload(w http.ResponseWriter, r *http.Request, acc *account.Account, m string, lim DeliveryLimits) (*Delivery, error) {
	tooLarge := errStatus(http.StatusRequestEntityTooLarge, "the delivery is larger than the %s allowed (portal.max_delivery_size): nothing was kept", humanBytes(lim.MaxDeliverySize))
	if r.ContentLength > lim.MaxDeliverySize+multipartSlack {
		return nil, tooLarge
	}
	r.Body = http.MaxBytesReader(w, r.Body, lim.MaxDeliverySize+multipartSlack)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "want a multipart/form-data body with the files: %v", err)
	}
	d, err := s.svc.Deliver(r.Context(), DeliverRequest{Actor: actorOf(acc), Migration: m, Parts: &multipartParts{mr: mr}})
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, tooLarge
	case err != nil:
		drain(r)
		return nil, err
	}
	return d, nil
}

// multipartParts yields the file parts of a multipart body; form fields
// are skipped.
type multipartParts struct {
	mr *multipart.Reader
	n  int
}

func (p *multipartParts) Next() (string, io.Reader, error) {
	for {
		part, err := p.mr.NextPart()
		if errors.Is(err, io.EOF) {
			return "", nil, io.EOF
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return "", nil, err
		}
		if err != nil {
			return "", nil, errStatus(http.StatusBadRequest, "bad multipart body: %v", err)
		}
		if p.n++; p.n > maxParts {
			return "", nil, errStatus(http.StatusBadRequest, "more than %d parts in one upload", maxParts)
		}
		if part.FileName() == "" {
			continue // a form field
		}
		return part.FileName(), part, nil
	}
}

// humanBytes writes a byte count for a message.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 4; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTP"[exp])
}
