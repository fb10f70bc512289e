package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/handover/handover/internal/account"
)

// uploadForm is the upload card of the portal's home.
type uploadForm struct {
	M      string
	Limits DeliveryLimits
}

// MaxFile and MaxDelivery are the limits in words.
func (u uploadForm) MaxFile() string     { return humanBytes(u.Limits.MaxFileSize) }
func (u uploadForm) MaxDelivery() string { return humanBytes(u.Limits.MaxDeliverySize) }

// deliveryScreen is what the detection screen shows: what was found in
// each file of the upload, before its check, or why it was refused.
type deliveryScreen struct {
	M        string
	D        *Delivery
	Refused  string // why nothing was kept
	Status   int
	Upload   *uploadForm
	Problems int // file and delivery problems that matter (extra columns do not)
}

// uploadOf is the upload form when acc may deliver to m.
func (s *Server) uploadOf(r *http.Request, acc *account.Account, m string) (*uploadForm, error) {
	if !may(acc.Role, "deliver") {
		return nil, nil
	}
	lim, err := s.svc.DeliveryLimits(r.Context(), m)
	if err != nil {
		return nil, err
	}
	return &uploadForm{M: m, Limits: lim}, nil
}

// MayDeliver says why account acc may not upload a delivery to migration
// m — its role may not, or it does not see m — and "" when it may: the
// rule of the upload form, for a server that recovers an interrupted
// upload under the account that made it.
func MayDeliver(acc *account.Account, m string) string {
	switch {
	case !may(acc.Role, "deliver"):
		return fmt.Sprintf("its role (%s) may not upload deliveries", acc.Role)
	case !acc.CanSee(m):
		return fmt.Sprintf("it is no longer scoped to migration %s", m)
	}
	return ""
}

// Uploader is account email when it still may upload a delivery to
// migration m — it exists, and MayDeliver — for a server that recovers an
// interrupted upload the account made; refused says why not, err is a
// failure to read the accounts.
func Uploader(ctx context.Context, accounts *account.Store, email, m string) (acc *account.Account, refused string, err error) {
	acc, err = accounts.Get(ctx, email)
	switch {
	case errors.Is(err, account.ErrNotFound):
		return nil, "the account no longer exists", nil
	case err != nil:
		return nil, "", err
	}
	if why := MayDeliver(acc, m); why != "" {
		return nil, why, nil
	}
	return acc, "", nil
}

// portalDeliver stores the files of the upload form (several files, or
// one .zip) as the next extraction and shows what was detected of each;
// a refusal (too large, a bad zip) shows why, with nothing kept.
func (s *Server) portalDeliver(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, up, err := s.uploadTo(r, acc)
	if err != nil {
		return err
	}
	d, err := s.receiveUpload(w, r, acc, m, up.Limits)
	v := &deliveryScreen{M: m, D: d, Upload: up, Status: http.StatusOK}
	if err != nil {
		status, msg := statusOf(err)
		if status >= 500 {
			return err
		}
		for _, prefix := range []string{ErrInvalid.Error() + ": ", ErrTooLarge.Error() + ": "} {
			msg = strings.TrimPrefix(msg, prefix)
		}
		v.Refused, v.Status = msg, status
	} else {
		v.Problems = len(d.Problems)
		for _, f := range d.Files {
			for _, p := range f.Problems {
				if p.Kind != "extra_column" { // ignored by the import: no harm
					v.Problems++
				}
			}
		}
	}
	title := "Delivery refused"
	if d != nil {
		title = fmt.Sprintf("Delivery %d received", d.Extraction)
	}
	return s.render(w, v.Status, "portal_delivery", view{Title: title, Account: acc, Data: v})
}

// delimiterWords names a separator for the customer.
func delimiterWords(d string) string {
	switch d {
	case ";":
		return "; (semicolon)"
	case ",":
		return ", (comma)"
	case "\t":
		return "tab"
	case "|":
		return "| (vertical bar)"
	}
	return d
}

// drain reads what is left of a request body (bounded by its
// MaxBytesReader), so that the answer is not lost in a reset connection.
func drain(r *http.Request) {
	buf := make([]byte, 32<<10)
	for {
		if _, err := r.Body.Read(buf); err != nil {
			return
		}
	}
}
