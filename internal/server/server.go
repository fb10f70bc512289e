// Package server is `handover serve`: the dashboard, the customer portal
// and the JSON API over the application layer (Service), with accounts,
// roles and sessions from package account.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/handover/handover/internal/account"
)

// Accounts is what the server needs of the account store.
type Accounts interface {
	Authenticate(ctx context.Context, email, password string) (*account.Account, error)
	Get(ctx context.Context, email string) (*account.Account, error)
	NewSession(ctx context.Context, id int64) (string, error)
	SessionAccount(ctx context.Context, token string) (*account.Account, error)
	TokenAccount(ctx context.Context, token string) (*account.Account, error)
	EndSession(ctx context.Context, token string) error
}

// Config is what New needs.
type Config struct {
	Service  Service
	Accounts Accounts
	Log      *slog.Logger     // nil: discard
	Now      func() time.Time // nil: time.Now
	// QueueDepth reports the runs waiting for a worker (metrics); nil: 0.
	QueueDepth func() int
	// OIDC, when set, offers the login with an OpenID Connect provider
	// (/login/oidc); the ID token's verified e-mail names the account.
	OIDC OIDC
}

// Server serves HTTP. Create it with New.
type Server struct {
	svc      Service
	accounts Accounts
	oidc     OIDC
	log      *slog.Logger
	now      func() time.Time
	limiter  *loginLimiter
	metrics  *metrics
	pages    *pages
	handler  http.Handler
	routes   []route       // for the OpenAPI check
	stop     chan struct{} // closed at shutdown: event streams end
}

// route is one registered pattern.
type route struct{ method, path string }

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	s := &Server{svc: cfg.Service, accounts: cfg.Accounts, oidc: cfg.OIDC, log: cfg.Log, now: cfg.Now}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.stop = make(chan struct{})
	s.limiter = newLoginLimiter(s.now)
	s.metrics = newMetrics(cfg.Service, cfg.QueueDepth)
	var err error
	if s.pages, err = newPages(); err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	s.apiRoutes(mux)
	s.pageRoutes(mux)
	if err := s.portalRoutes(mux); err != nil {
		return nil, err
	}
	s.oidcRoutes(mux)
	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]string{"error": "cross-origin request refused"})
	}))
	s.handler = secureHeaders(csrf.Handler(s.identify(mux)))
	return s, nil
}

// Handler is the server's root handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Registry is the server's Prometheus registry.
func (s *Server) Registry() *prometheus.Registry { return s.metrics.reg }

// handle registers a handler that may return an error (answered as JSON)
// and measures its latency under its pattern.
func (s *Server) handle(mux *http.ServeMux, method, path string, h func(http.ResponseWriter, *http.Request) error) {
	s.routes = append(s.routes, route{method, path})
	pattern := method + " " + path
	mux.Handle(pattern, s.metrics.measure(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})))
}

// secureHeaders sets the CSP and the other headers every answer carries.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

// Serve answers on ln until ctx ends, then shuts down gracefully: no new
// connections, requests in flight finish (up to grace).
func (s *Server) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute,
		BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	srv.RegisterOnShutdown(func() { close(s.stop) })
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
