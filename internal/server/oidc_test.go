package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
	"github.com/handover/handover/internal/oidc"
)

// newOIDCEnv is newEnv with the OpenID Connect login of a fake provider.
func newOIDCEnv(t *testing.T) (*env, *fakeIdP) {
	t.Helper()
	idp := newFakeIdP(t)
	e := &env{t: t, svc: newFake(), now: t0}
	accs, err := accountdb.OpenDSN(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "state.db"),
		account.WithArgon2(account.Argon2{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accs.Close() })
	e.accounts = accs
	if _, err := accs.Add(context.Background(), account.Account{Email: "ann@acme.example", Name: "Ann", Role: account.RoleCustomer, Migrations: []string{"acme"}}, ""); err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewUnstartedServer(nil)
	e.ts.StartTLS()
	t.Cleanup(e.ts.Close)
	prov, err := oidc.New(context.Background(), oidc.Config{Issuer: idp.ts.URL, ClientID: idp.client, ClientSecret: idp.secret,
		RedirectURL: e.ts.URL + "/login/oidc/callback"})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := New(Config{Service: e.svc, Accounts: accs, Now: func() time.Time { return e.now }, OIDC: prov})
	if err != nil {
		t.Fatal(err)
	}
	e.ts.Config.Handler = srv.Handler()
	return e, idp
}

// oidcLogin walks the browser through /login/oidc, the provider and back;
// edit may change the callback URL. It returns the callback's answer.
func (e *env) oidcLogin(c *http.Client, edit func(*url.URL)) *http.Response {
	e.t.Helper()
	res := e.do(c, "GET", "/login/oidc?next=/m/acme", "", nil)
	readAll(res)
	if res.StatusCode != http.StatusFound {
		e.t.Fatalf("/login/oidc: %d", res.StatusCode)
	}
	auth := res.Header.Get("Location")
	for _, want := range []string{"code_challenge_method=S256", "code_challenge=", "nonce=", "state=", "scope=openid+email+profile"} {
		if !strings.Contains(auth, want) {
			e.t.Errorf("authorization URL lacks %s: %s", want, auth)
		}
	}
	if strings.Contains(auth, "idp-client-secret") {
		e.t.Error("the client secret is in the authorization URL")
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(auth)
	if err != nil {
		e.t.Fatal(err)
	}
	readAll(res)
	back, err := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(back.String(), e.ts.URL+"/login/oidc/callback?") {
		e.t.Fatalf("provider: %d %q", res.StatusCode, back)
	}
	if edit != nil {
		edit(back)
	}
	return e.do(c, "GET", strings.TrimPrefix(back.String(), e.ts.URL), "", nil)
}

// TestOIDCLogin: the full code flow with PKCE, nonce and state logs the
// account of the ID token's verified e-mail in, audited.
func TestOIDCLogin(t *testing.T) {
	e, idp := newOIDCEnv(t)
	if body := readAll(e.do(e.client(), "GET", "/login", "", nil)); !strings.Contains(body, `href="/login/oidc?next=%2F"`) {
		t.Errorf("the login screen offers no single sign-on:\n%s", body)
	}
	idp.login("Ann@Acme.example", nil)
	c := e.client()
	res := e.oidcLogin(c, nil)
	readAll(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/m/acme" {
		t.Fatalf("callback: %d → %q", res.StatusCode, res.Header.Get("Location"))
	}
	ck := sessionOf(t, res)
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v", ck)
	}
	for _, rc := range res.Cookies() {
		if rc.Name == flowCookie && rc.MaxAge >= 0 {
			t.Errorf("the flow cookie outlives the login: %+v", rc)
		}
	}
	if code, body := e.status(c, "GET", "/api/v1/me", ""); code != 200 || !strings.Contains(body, `"ann@acme.example"`) {
		t.Errorf("me after the OIDC login: %d %s", code, body)
	}
	got := strings.Join(e.svc.recorded(), "\n")
	if !strings.Contains(got, "|ann@acme.example|login|role customer from 127.0.0.1 via OIDC") {
		t.Errorf("login not audited:\n%s", got)
	}
	// The callback replayed (its flow is spent) logs nobody in.
	c2 := e.client()
	res = e.do(c2, "GET", "/login/oidc/callback?code=x&state=y", "", nil)
	if body := readAll(res); res.StatusCode != 401 || !strings.Contains(body, "no login in progress") {
		t.Errorf("callback without a flow: %d %s", res.StatusCode, body)
	}
}

// TestOIDCLoginRefused: wrong state, wrong nonce, another audience, an
// expired token, an unverified or unknown e-mail, a token signed by
// another key: each refused, no session, audited as a failed login.
func TestOIDCLoginRefused(t *testing.T) {
	cases := []struct {
		name   string
		email  string
		tamper func(map[string]any)
		edit   func(*url.URL)
		reason string
	}{
		{name: "wrong state", edit: func(u *url.URL) {
			q := u.Query()
			q.Set("state", "forged")
			u.RawQuery = q.Encode()
		}, reason: "the state does not match"},
		{name: "wrong nonce", tamper: func(c map[string]any) { c["nonce"] = "replayed" }, reason: "nonce is not this login"},
		{name: "wrong audience", tamper: func(c map[string]any) { c["aud"] = "another-client" }, reason: "the ID token is not valid"},
		{name: "expired", tamper: func(c map[string]any) {
			c["iat"] = time.Now().Add(-2 * time.Hour).Unix()
			c["exp"] = time.Now().Add(-time.Hour).Unix()
		}, reason: "the ID token expired"},
		{name: "other issuer", tamper: func(c map[string]any) { c["iss"] = "https://evil.example" }, reason: "the ID token is not valid"},
		{name: "unverified e-mail", tamper: func(c map[string]any) { c["email_verified"] = false }, reason: "has not verified the e-mail"},
		{name: "unknown e-mail", email: "mallory@acme.example", reason: "no account has the e-mail mallory@acme.example"},
		{name: "code swapped", edit: func(u *url.URL) {
			q := u.Query()
			q.Set("code", "stolen")
			u.RawQuery = q.Encode()
		}, reason: "the provider refused the code: invalid_grant"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, idp := newOIDCEnv(t)
			email := tc.email
			if email == "" {
				email = "ann@acme.example"
			}
			idp.login(email, tc.tamper)
			c := e.client()
			res := e.oidcLogin(c, tc.edit)
			body := readAll(res)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, tc.reason) {
				t.Errorf("callback: %d, want 401 with %q:\n%s", res.StatusCode, tc.reason, body)
			}
			if ck := sessionOf(t, res); ck != nil && ck.MaxAge >= 0 {
				t.Errorf("a session cookie was set: %+v", ck)
			}
			if code, _ := e.status(c, "GET", "/api/v1/me", ""); code != 401 {
				t.Errorf("me after a refused login: %d", code)
			}
			got := strings.Join(e.svc.recorded(), "\n")
			if !strings.Contains(got, "|login failed|OIDC: ") || !strings.Contains(got, tc.reason) || strings.Contains(got, "|login|") {
				t.Errorf("audit:\n%s", got)
			}
			if strings.Contains(body+got, idp.secret) {
				t.Error("the client secret was shown")
			}
		})
	}
}

// TestOIDCLoginRateLimited: failed OIDC logins count against the
// address's login limit.
func TestOIDCLoginRateLimited(t *testing.T) {
	e, idp := newOIDCEnv(t)
	idp.login("nobody@acme.example", nil)
	for i := 1; i <= 5; i++ {
		if res := e.oidcLogin(e.client(), nil); res.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
	}
	idp.login("ann@acme.example", nil)
	res := e.oidcLogin(e.client(), nil)
	readAll(res)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Errorf("6th login from the address: %d, Retry-After %q", res.StatusCode, res.Header.Get("Retry-After"))
	}
}
