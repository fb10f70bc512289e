// Package oidc logs users in with an OpenID Connect provider: the
// authorization code flow with PKCE (S256), a nonce and a state, through
// github.com/coreos/go-oidc and golang.org/x/oauth2. The ID token is
// verified (signature against the provider's keys, issuer, audience = the
// client id, expiry, nonce) and its e-mail, which the provider must have
// verified, names the account. The client secret is never printed.
package oidc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// Config configures a Provider.
type Config struct {
	Issuer       string // the provider's issuer URL (its discovery document is ISSUER/.well-known/openid-configuration)
	ClientID     string
	ClientSecret string // may be empty for a public client (PKCE alone)
	RedirectURL  string // this server's callback: PUBLIC_URL/login/oidc/callback
	// HTTPClient talks to the provider; http.DefaultClient with a 10 s
	// timeout when nil.
	HTTPClient *http.Client
	Now        func() time.Time // the clock tokens are checked against; time.Now when nil
}

// Provider is a configured OpenID Connect provider.
type Provider struct {
	oauth    oauth2.Config
	verifier *gooidc.IDTokenVerifier
	client   *http.Client
}

// New fetches the provider's discovery document and returns the Provider.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	switch {
	case cfg.Issuer == "":
		return nil, errors.New("oidc: the issuer URL is required")
	case cfg.ClientID == "":
		return nil, errors.New("oidc: the client id is required")
	case cfg.RedirectURL == "":
		return nil, errors.New("oidc: the redirect URL is required")
	}
	p := &Provider{client: cfg.HTTPClient}
	if p.client == nil {
		p.client = &http.Client{Timeout: 10 * time.Second}
	}
	prov, err := gooidc.NewProvider(p.ctx(ctx), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discover %s: %w", cfg.Issuer, err)
	}
	p.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, RedirectURL: cfg.RedirectURL,
		Endpoint: prov.Endpoint(), Scopes: []string{gooidc.ScopeOpenID, "email", "profile"}}
	p.verifier = prov.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: cfg.Now})
	return p, nil
}

func (p *Provider) ctx(ctx context.Context) context.Context {
	return gooidc.ClientContext(ctx, p.client)
}

// Flow is what a login keeps between sending the browser to the provider
// and its return: the state (compared with the callback's), the nonce
// (compared with the ID token's) and the PKCE verifier.
type Flow struct {
	State, Nonce, Verifier string
}

// NewFlow draws a flow's random values.
func NewFlow() (Flow, error) {
	var f Flow
	for _, v := range []*string{&f.State, &f.Nonce} {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return Flow{}, fmt.Errorf("oidc: random: %w", err)
		}
		*v = base64.RawURLEncoding.EncodeToString(b)
	}
	f.Verifier = oauth2.GenerateVerifier()
	return f, nil
}

// AuthURL is where the browser is sent to log in.
func (p *Provider) AuthURL(f Flow) string {
	return p.oauth.AuthCodeURL(f.State, gooidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
}

// Error is a refused login; Reason says why, for the audit log (never a
// token or a secret).
type Error struct{ Reason string }

func (e *Error) Error() string { return "oidc login refused: " + e.Reason }

func refused(format string, a ...any) error { return &Error{Reason: fmt.Sprintf(format, a...)} }

// CheckState compares the callback's state with the flow's.
func CheckState(f Flow, state string) error {
	if f.State == "" || subtle.ConstantTimeCompare([]byte(f.State), []byte(state)) != 1 {
		return refused("the state does not match this browser's login (start the login again)")
	}
	return nil
}

// Email exchanges the callback's code (with the PKCE verifier) for tokens,
// verifies the ID token and returns its verified e-mail.
func (p *Provider) Email(ctx context.Context, f Flow, code string) (string, error) {
	if code == "" {
		return "", refused("the provider sent no code")
	}
	ctx = p.ctx(ctx)
	tok, err := p.oauth.Exchange(ctx, code, oauth2.VerifierOption(f.Verifier))
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return "", refused("the provider refused the code: %s %s", re.ErrorCode, re.ErrorDescription)
		}
		return "", fmt.Errorf("oidc: exchange the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return "", refused("the provider's answer holds no ID token")
	}
	idt, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		var exp *gooidc.TokenExpiredError
		if errors.As(err, &exp) {
			return "", refused("the ID token expired at %s", exp.Expiry.UTC().Format(time.RFC3339))
		}
		return "", refused("the ID token is not valid: %v", err)
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(f.Nonce)) != 1 {
		return "", refused("the ID token's nonce is not this login's")
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"`
	}
	if err := idt.Claims(&claims); err != nil {
		return "", refused("the ID token's claims do not decode: %v", err)
	}
	if claims.Email == "" {
		return "", refused("the ID token holds no e-mail (ask the provider for the email scope)")
	}
	if v, ok := claims.EmailVerified.(bool); !(ok && v) && claims.EmailVerified != "true" {
		return "", refused("the provider has not verified the e-mail %s", claims.Email)
	}
	return claims.Email, nil
}
