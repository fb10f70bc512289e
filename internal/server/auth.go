package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/account"
)

// CookieName is the session cookie: __Host- binds it to this host, path /
// and HTTPS (browsers treat http://localhost as secure).
const CookieName = "__Host-handover"

type ctxKey int

const accountKey ctxKey = 1

// accountOf returns the request's authenticated account, nil when none.
func accountOf(r *http.Request) *account.Account {
	a, _ := r.Context().Value(accountKey).(*account.Account)
	return a
}

func actorOf(a *account.Account) Actor {
	return Actor{ID: a.ID, Email: a.Email, Name: a.Name, Role: a.Role}
}

// identify attaches the account of the session cookie or bearer token, if
// any; handlers decide whether one is required.
func (s *Server) identify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var acc *account.Account
		var err error
		if h := r.Header.Get("Authorization"); h != "" {
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok {
				s.writeError(w, r, errStatus(http.StatusUnauthorized, "Authorization: want Bearer TOKEN"))
				return
			}
			if acc, err = s.accounts.TokenAccount(r.Context(), strings.TrimSpace(tok)); err != nil {
				s.authFailed(w, r, err)
				return
			}
		} else if c, cerr := r.Cookie(CookieName); cerr == nil {
			acc, err = s.accounts.SessionAccount(r.Context(), c.Value)
			if err != nil && !errors.Is(err, account.ErrNoSession) {
				s.writeError(w, r, err)
				return
			}
		}
		if acc != nil {
			r = r.WithContext(context.WithValue(r.Context(), accountKey, acc))
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) authFailed(w http.ResponseWriter, r *http.Request, err error) {
	if errors.Is(err, account.ErrNoSession) {
		s.writeError(w, r, errStatus(http.StatusUnauthorized, "invalid or revoked token"))
		return
	}
	s.writeError(w, r, err)
}

// clientAddr is the request's remote address without the port.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// login checks e-mail and password under the rate limit and starts a
// session; every attempt is audited.
func (s *Server) login(ctx context.Context, w http.ResponseWriter, r *http.Request, email, password string) (*account.Account, error) {
	email = account.NormEmail(email)
	keys := []string{"account:" + email, "addr:" + clientAddr(r)}
	if wait, blocked := s.limiter.blocked(keys...); blocked {
		w.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		s.record(ctx, "", AuditRecord{Actor: email, Action: "login refused", Detail: "too many failed logins from " + clientAddr(r)})
		return nil, errStatus(http.StatusTooManyRequests, "too many failed logins: try again later")
	}
	acc, err := s.accounts.Authenticate(ctx, email, password)
	if errors.Is(err, account.ErrBadCredentials) {
		s.limiter.fail(keys...)
		s.record(ctx, "", AuditRecord{Actor: email, Action: "login failed", Detail: "from " + clientAddr(r)})
		return nil, errStatus(http.StatusUnauthorized, "wrong e-mail or password")
	}
	if err != nil {
		return nil, err
	}
	if err := s.startSession(ctx, w, r, acc, ""); err != nil {
		return nil, err
	}
	return acc, nil
}

// startSession logs acc in: a new session and its cookie, audited; how
// names the way ("OIDC"; "" for a password).
func (s *Server) startSession(ctx context.Context, w http.ResponseWriter, r *http.Request, acc *account.Account, how string) error {
	// A new session at every login: a session id planted before login is
	// never the one that becomes authenticated.
	if c, err := r.Cookie(CookieName); err == nil {
		_ = s.accounts.EndSession(ctx, c.Value)
	}
	tok, err := s.accounts.NewSession(ctx, acc.ID)
	if err != nil {
		return err
	}
	http.SetCookie(w, sessionCookie(tok, int(account.SessionTTL/time.Second)))
	detail := "role " + acc.Role + " from " + clientAddr(r)
	if how != "" {
		detail += " via " + how
	}
	s.record(ctx, "", AuditRecord{Actor: acc.Email, Action: "login", Detail: detail})
	return nil
}

// logout ends the request's session and clears the cookie.
func (s *Server) logout(ctx context.Context, w http.ResponseWriter, r *http.Request) error {
	if c, err := r.Cookie(CookieName); err == nil {
		if err := s.accounts.EndSession(ctx, c.Value); err != nil {
			return err
		}
	}
	http.SetCookie(w, sessionCookie("", -1))
	if acc := accountOf(r); acc != nil {
		s.record(ctx, "", AuditRecord{Actor: acc.Email, Action: "logout"})
	}
	return nil
}

func sessionCookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
}

// record appends an audit entry; a failure is logged, not shown (the
// action it records already happened).
func (s *Server) record(ctx context.Context, m string, e AuditRecord) {
	if err := s.svc.Record(ctx, m, e); err != nil {
		s.log.Error("write audit entry", slog.String("action", e.Action), slog.Any("error", err))
	}
}
