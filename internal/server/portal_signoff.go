package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/handover/handover/internal/account"
)

// signOffView is the customer's validation sign-off of the environment
// they validate (preprod): its run, when it opens, whether this account
// may sign now and, when not, why.
type signOffView struct {
	M        string
	Env      string
	Run      *RunDetail
	Due      time.Time // zero: the runbook has no validation step
	Relative string    // "J-2"
	Open     bool      // the validation step is due (or has no date)
	CanSign  bool
	Reason   string    // why the buttons are disabled
	Signed   []SignOff // the customer sign-offs on the run
	From     string    // "run": the form returns to the run's screen
	Done     bool      // this account signed the run: no form
}

// customerLane is the environment whose import the customer signs (the one
// a later environment requires with approvals: [customer]), nil when none.
func customerLane(ov *Overview) *Lane {
	for i := range ov.Lanes {
		if slices.Contains(ov.Lanes[i].Needed, account.RoleCustomer) {
			return &ov.Lanes[i]
		}
	}
	return nil
}

// validationStep is the runbook's customer validation step, nil when the
// runbook has none.
func validationStep(ov *Overview) *Step {
	for i := range ov.Plan {
		if ov.Plan[i].ID == stepValidation {
			return &ov.Plan[i]
		}
	}
	return nil
}

// validationOpen reports whether the customer's validation may be signed
// at now: from the day its step is due.
func validationOpen(st *Step, now time.Time) bool {
	return st == nil || st.Due.IsZero() || !now.Before(st.Due)
}

// checkValidationDue refuses a customer's sign-off (or refusal) of the
// import they validate before the validation step is due (J-2 by default).
func (s *Server) checkValidationDue(ctx context.Context, m string, n int) error {
	ov, err := s.svc.Overview(ctx, m)
	if err != nil {
		return err
	}
	lane := customerLane(ov)
	if lane == nil {
		return nil
	}
	run, err := s.svc.Run(ctx, m, n)
	if err != nil {
		return err
	}
	st := validationStep(ov)
	if run.Kind != "import" || run.Env != lane.Env || validationOpen(st, s.now()) {
		return nil
	}
	return fmt.Errorf("%w: the customer validates %s from %s (%s): the sign-off opens that day", ErrRefused,
		lane.Env, st.Relative, st.Due.Format(time.DateOnly))
}

// signOffView builds the validation sign-off for acc; nil when there is
// nothing to sign yet, or when run is given and is not the run to sign.
func (s *Server) signOffView(ctx context.Context, acc *account.Account, m string, ov *Overview, run *RunDetail) (*signOffView, error) {
	lane := customerLane(ov)
	if lane == nil || lane.Last == nil || (run != nil && run.Run != lane.Last.Run) {
		return nil, nil
	}
	if run == nil {
		var err error
		if run, err = s.svc.Run(ctx, m, lane.Last.Run); err != nil {
			return nil, err
		}
	}
	v := &signOffView{M: m, Env: lane.Env, Run: run, Open: true}
	if st := validationStep(ov); st != nil {
		v.Due, v.Relative, v.Open = st.Due, st.Relative, validationOpen(st, s.now())
	}
	for _, so := range run.SignOffs {
		if so.Role == account.RoleCustomer {
			v.Signed = append(v.Signed, so)
		}
	}
	switch {
	case acc.Role != account.RoleCustomer:
		v.Reason = "Only the customer's account signs here (you are " + acc.Role + ")."
	case run.Protocol == nil:
		v.Reason = "The import is still running."
	case run.Status != "succeeded":
		v.Reason = "This import did not succeed (" + run.Status + "): the team imports again before you validate."
	case !v.Open:
		v.Reason = "Sign-off opens on " + v.Due.Format("Monday 2 January 2006") + " (" + v.Relative + ")."
	case slices.ContainsFunc(v.Signed, func(so SignOff) bool { return so.By == acc.Email && !so.Refused && !so.Void }):
		v.Reason, v.Done = "You signed this run off.", true
	default:
		v.CanSign = true
	}
	return v, nil
}

// portalSignOff records the customer's sign-off or refusal of the run
// they validate, bound to the protocol they saw and to their account.
func (s *Server) portalSignOff(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, req, err := s.signOffPosted(w, r, acc, account.RoleCustomer)
	if err != nil {
		return err
	}
	flash := fmt.Sprintf("You %s the %s import (run %d) as %s.", signedWord(req), run.Env, run.Run, acc.Email)
	back := portalPath(m)
	if r.PostForm.Get("from") == "run" {
		back = fmt.Sprintf("%s/runs/%d", back, run.Run)
	}
	http.Redirect(w, r, back+"?flash="+url.QueryEscape(flash), http.StatusSeeOther)
	return nil
}
