package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/oidc"
)

// OIDC is an OpenID Connect provider to log in with (*oidc.Provider).
type OIDC interface {
	// AuthURL is where the browser goes to log in for the flow.
	AuthURL(f oidc.Flow) string
	// Email exchanges the callback's code and returns the ID token's
	// verified e-mail; an *oidc.Error when the login is refused.
	Email(ctx context.Context, f oidc.Flow, code string) (string, error)
}

// flowCookie holds a login's state, nonce, PKCE verifier and where to go
// after it, between /login/oidc and the provider's callback: HttpOnly,
// Secure, __Host-, SameSite=Lax (sent on the provider's redirect back), ten
// minutes.
const (
	flowCookie = "__Host-handover-oidc"
	flowTTL    = 10 * time.Minute
)

func (s *Server) oidcRoutes(mux *http.ServeMux) {
	if s.oidc == nil {
		return
	}
	s.handle(mux, "GET", "/login/oidc", s.oidcStart)
	s.handle(mux, "GET", "/login/oidc/callback", s.oidcCallback)
}

// oidcStart sends the browser to the provider with a new flow.
func (s *Server) oidcStart(w http.ResponseWriter, r *http.Request) error {
	f, err := oidc.NewFlow()
	if err != nil {
		return err
	}
	next := safeNext(r.URL.Query().Get("next"))
	value := strings.Join([]string{f.State, f.Nonce, f.Verifier, url.QueryEscape(next)}, ".")
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: value, Path: "/", MaxAge: int(flowTTL / time.Second),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, s.oidc.AuthURL(f), http.StatusFound)
	return nil
}

// flowOf reads and ends the request's login flow.
func flowOf(w http.ResponseWriter, r *http.Request) (oidc.Flow, string, bool) {
	c, err := r.Cookie(flowCookie)
	http.SetCookie(w, &http.Cookie{Name: flowCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	if err != nil {
		return oidc.Flow{}, "", false
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return oidc.Flow{}, "", false
	}
	next, err := url.QueryUnescape(parts[3])
	if err != nil {
		next = "/"
	}
	return oidc.Flow{State: parts[0], Nonce: parts[1], Verifier: parts[2]}, safeNext(next), true
}

// oidcCallback finishes the login: the state must be this browser's, the
// ID token valid and for this login (nonce), its verified e-mail an
// account's. Every outcome is audited; failures count against the login
// rate limit of the address (and of the account, once its e-mail is known).
func (s *Server) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	addrKey := "addr:" + clientAddr(r)
	if wait, blocked := s.limiter.blocked(addrKey); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		s.record(ctx, "", AuditRecord{Action: "login refused", Detail: "OIDC: too many failed logins from " + clientAddr(r)})
		return s.oidcFailed(w, http.StatusTooManyRequests, "too many failed logins: try again later")
	}
	fail := func(who, reason string, keys ...string) error {
		s.limiter.fail(append(keys, addrKey)...)
		s.record(ctx, "", AuditRecord{Actor: who, Action: "login failed", Detail: "OIDC: " + reason + " (from " + clientAddr(r) + ")"})
		return s.oidcFailed(w, http.StatusUnauthorized, "login refused: "+reason)
	}
	f, next, ok := flowOf(w, r)
	q := r.URL.Query()
	switch {
	case !ok:
		return fail("", "no login in progress in this browser (it expired, or began elsewhere): start again")
	case q.Get("error") != "":
		return fail("", "the provider answered "+truncate(q.Get("error"), 64))
	}
	if err := oidc.CheckState(f, q.Get("state")); err != nil {
		return fail("", reasonOf(err))
	}
	email, err := s.oidc.Email(ctx, f, q.Get("code"))
	if err != nil {
		var re *oidc.Error
		if !errors.As(err, &re) {
			return err
		}
		return fail("", re.Reason)
	}
	email = account.NormEmail(email)
	acc, err := s.accounts.Get(ctx, email)
	if errors.Is(err, account.ErrNotFound) {
		return fail(email, "no account has the e-mail "+email+" (an admin adds it: handover users add)", "account:"+email)
	}
	if err != nil {
		return err
	}
	if wait, blocked := s.limiter.blocked("account:" + email); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		return s.oidcFailed(w, http.StatusTooManyRequests, "too many failed logins: try again later")
	}
	if err := s.startSession(ctx, w, r, acc, "OIDC"); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func reasonOf(err error) string {
	var re *oidc.Error
	if errors.As(err, &re) {
		return re.Reason
	}
	return err.Error()
}

// oidcFailed shows the login screen with the reason.
func (s *Server) oidcFailed(w http.ResponseWriter, status int, msg string) error {
	return s.render(w, status, "login", view{Title: "Log in", Flash: msg, Data: s.loginData("/", "")})
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
