package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/account"
)

// Another migration's run, rejects, event stream or sign-off answers 404,
// exactly like a migration that does not exist.
func TestSecurityPerObjectAuthorisation(t *testing.T) {
	e := newEnv(t)
	ann := e.login("ann@acme.example") // customer of acme only
	paths := []struct{ method, path, body string }{
		{"GET", "/api/v1/migrations/%s", ""},
		{"GET", "/api/v1/migrations/%s/runs", ""},
		{"GET", "/api/v1/migrations/%s/runs/2", ""},
		{"GET", "/api/v1/migrations/%s/runs/2/rejects/contacts.csv", ""},
		{"GET", "/api/v1/migrations/%s/runs/2/rejects/contacts.xlsx", ""},
		{"GET", "/api/v1/migrations/%s/runs/2/events", ""},
		{"GET", "/api/v1/migrations/%s/runs/2/files/protocol.json", ""},
		{"POST", "/api/v1/migrations/%s/runs/2/signoffs", `{"role":"customer"}`},
		{"GET", "/api/v1/migrations/%s/plan", ""},
	}
	for _, p := range paths {
		code, body := e.status(ann, p.method, strings.Replace(p.path, "%s", "beta", 1), p.body)
		code2, body2 := e.status(ann, p.method, strings.Replace(p.path, "%s", "nope", 1), p.body)
		if code != 404 || code2 != 404 || strings.ReplaceAll(body, "beta", "X") != strings.ReplaceAll(body2, "nope", "X") {
			t.Errorf("%s %s: other migration %d %s; missing one %d %s", p.method, p.path, code, body, code2, body2)
		}
	}
	// Run 2 exists in beta but not in acme: the same 404 as a run that exists nowhere.
	code, body := e.status(ann, "GET", "/api/v1/migrations/acme/runs/2", "")
	code2, body2 := e.status(ann, "GET", "/api/v1/migrations/acme/runs/99", "")
	if code != 404 || code2 != 404 || body != body2 {
		t.Errorf("run of another migration: %d %s vs %d %s", code, body, code2, body2)
	}
	// Pages too.
	for _, path := range []string{"/m/beta", "/m/beta/runs/1", "/m/beta/runs/1/signoff", "/m/beta/runs/1/rejects/contacts.csv"} {
		if code, _ := e.status(ann, "GET", path, ""); code != 404 {
			t.Errorf("page %s: %d", path, code)
		}
	}
	if len(e.svc.signs) != 0 {
		t.Errorf("a sign-off reached the service: %+v", e.svc.signs)
	}
}

// A customer POSTing an import, or signing as reviewer, is refused 403.
func TestSecurityFunctionLevel(t *testing.T) {
	e := newEnv(t)
	ann := e.login("ann@acme.example")
	cases := []struct{ method, path, body string }{
		{"POST", "/api/v1/migrations/acme/runs", `{"kind":"import","env":"dev"}`},
		{"POST", "/api/v1/migrations/acme/runs/1/signoffs", `{"role":"reviewer"}`},
		{"GET", "/api/v1/migrations/acme/audit", ""},
	}
	for _, c := range cases {
		if code, body := e.status(ann, c.method, c.path, c.body); code != 403 || !strings.Contains(body, `"error"`) {
			t.Errorf("customer %s %s: %d %s", c.method, c.path, code, body)
		}
	}
	eva := e.login("eva@vendor.example")
	if code, body := e.status(eva, "POST", "/api/v1/migrations/acme/runs/1/signoffs", `{"role":"reviewer"}`); code != 403 {
		t.Errorf("engineer signing as reviewer: %d %s", code, body)
	}
	if len(e.svc.starts) != 0 || len(e.svc.signs) != 0 {
		t.Errorf("refused requests reached the service: %+v %+v", e.svc.starts, e.svc.signs)
	}
	if code, body := e.status(ann, "POST", "/api/v1/migrations/acme/runs/1/signoffs", `{"role":"customer","note":"ok"}`); code != 201 {
		t.Errorf("customer signing as customer: %d %s", code, body)
	}
	if len(e.svc.signs) != 1 || e.svc.signs[0].Actor.Email != "ann@acme.example" || e.svc.signs[0].Role != "customer" {
		t.Errorf("sign-off not bound to the account: %+v", e.svc.signs)
	}
}

// A cross-site form POST is refused before any handler runs.
func TestSecurityCSRF(t *testing.T) {
	e := newEnv(t)
	eva := e.login("eva@vendor.example")
	form := url.Values{"kind": {"check"}}.Encode()
	for _, hdr := range []map[string]string{
		{"Sec-Fetch-Site": "cross-site", "Content-Type": "application/x-www-form-urlencoded"},
		{"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"},
	} {
		res := e.do(eva, "POST", "/m/acme/runs", form, hdr)
		if body := readAll(res); res.StatusCode != 403 {
			t.Errorf("cross-site POST %v: %d %s", hdr, res.StatusCode, body)
		}
		res = e.do(eva, "POST", "/api/v1/migrations/acme/runs", `{"kind":"check"}`, hdr)
		readAll(res)
		if res.StatusCode != 403 {
			t.Errorf("cross-site API POST %v: %d", hdr, res.StatusCode)
		}
	}
	if len(e.svc.starts) != 0 {
		t.Fatalf("a cross-site request started a run: %+v", e.svc.starts)
	}
	res := e.do(eva, "POST", "/m/acme/runs", form, map[string]string{"Sec-Fetch-Site": "same-origin", "Content-Type": "application/x-www-form-urlencoded"})
	readAll(res)
	if res.StatusCode != http.StatusSeeOther || len(e.svc.starts) != 1 {
		t.Errorf("same-origin POST: %d, starts %d", res.StatusCode, len(e.svc.starts))
	}
}

func sessionOf(t *testing.T, res *http.Response) *http.Cookie {
	t.Helper()
	for _, c := range res.Cookies() {
		if c.Name == CookieName {
			return c
		}
	}
	return nil
}

// The session cookie is __Host-, Secure, HttpOnly, SameSite=Lax; a new one
// at every login; gone at logout, password change and role removal.
func TestSecuritySessionCookie(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	login := func() *http.Cookie {
		res := e.do(c, "POST", "/api/v1/session", `{"email":"rita@vendor.example","password":"`+pw+`"}`, nil)
		readAll(res)
		ck := sessionOf(t, res)
		if res.StatusCode != 200 || ck == nil {
			t.Fatalf("login: %d", res.StatusCode)
		}
		return ck
	}
	ck := login()
	if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
		t.Errorf("cookie %+v", ck)
	}
	ck2 := login()
	if ck2.Value == ck.Value {
		t.Error("the session was not renewed at login")
	}
	stale := e.client()
	useCookie := func(cl *http.Client, v string) int {
		res := e.do(cl, "GET", "/api/v1/me", "", map[string]string{"Cookie": CookieName + "=" + v})
		readAll(res)
		return res.StatusCode
	}
	if code := useCookie(stale, ck.Value); code != 401 {
		t.Errorf("the session before the re-login still works: %d", code)
	}
	if code := useCookie(stale, ck2.Value); code != 200 {
		t.Fatalf("current session: %d", code)
	}
	res := e.do(c, "DELETE", "/api/v1/session", "", nil)
	readAll(res)
	if gone := sessionOf(t, res); res.StatusCode != 204 || gone == nil || gone.MaxAge >= 0 {
		t.Errorf("logout: %d %+v", res.StatusCode, gone)
	}
	if code := useCookie(stale, ck2.Value); code != 401 {
		t.Errorf("session after logout: %d", code)
	}
	ctx := context.Background()
	for name, change := range map[string]func() error{
		"password change": func() error { return e.accounts.SetPassword(ctx, "rita@vendor.example", pw) },
		"role removal": func() error {
			return e.accounts.SetRole(ctx, "rita@vendor.example", account.RoleCustomer, []string{"acme"})
		},
	} {
		v := login().Value
		if err := change(); err != nil {
			t.Fatal(err)
		}
		if code := useCookie(stale, v); code != 401 {
			t.Errorf("session after %s: %d", name, code)
		}
		_ = e.accounts.SetRole(ctx, "rita@vendor.example", account.RoleReviewer, nil)
	}
}

// The 6th failed login in a minute for one account, or from one address,
// answers 429 with Retry-After; a minute later logins work again.
func TestSecurityLoginRateLimit(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	try := func(email, password string) *http.Response {
		res := e.do(c, "POST", "/api/v1/session", `{"email":"`+email+`","password":"`+password+`"}`, nil)
		readAll(res)
		return res
	}
	for i := 1; i <= 5; i++ {
		if res := try("rita@vendor.example", "wrong"); res.StatusCode != 401 {
			t.Fatalf("failure %d: %d", i, res.StatusCode)
		}
	}
	res := try("rita@vendor.example", pw) // even the right password: the account is locked for now
	if res.StatusCode != 429 {
		t.Fatalf("6th attempt: %d", res.StatusCode)
	}
	if ra, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || ra < 1 || ra > 60 {
		t.Errorf("Retry-After %q", res.Header.Get("Retry-After"))
	}
	e.now = e.now.Add(time.Minute)
	if res := try("rita@vendor.example", pw); res.StatusCode != 200 {
		t.Errorf("a minute later: %d", res.StatusCode)
	}
	// Per address: failures spread over accounts still hit the address limit.
	for i, email := range []string{"a@x.example", "b@x.example", "c@x.example", "d@x.example", "e@x.example"} {
		if res := try(email, "wrong"); res.StatusCode != 401 {
			t.Fatalf("address failure %d: %d", i, res.StatusCode)
		}
	}
	if res := try("f@x.example", "wrong"); res.StatusCode != 429 {
		t.Errorf("6th failure from one address: %d", res.StatusCode)
	}
	var failed int
	for _, r := range e.svc.recorded() {
		if strings.Contains(r, "|login failed|") {
			failed++
		}
	}
	if failed != 10 {
		t.Errorf("%d failed logins audited, want 10", failed)
	}
}

// JSON bodies: unknown fields refused, size limited, one value only.
func TestSecurityJSONBodies(t *testing.T) {
	e := newEnv(t)
	eva := e.login("eva@vendor.example")
	cases := []struct {
		body string
		code int
	}{
		{`{"kind":"check","sudo":true}`, 400},
		{`{"kind":"check"} {"kind":"check"}`, 400},
		{`{"kind":`, 400},
		{`{"kind":"check","env":"` + strings.Repeat("x", maxBody) + `"}`, 413},
	}
	for _, c := range cases {
		code, body := e.status(eva, "POST", "/api/v1/migrations/acme/runs", c.body)
		if code != c.code || !strings.Contains(body, `"error"`) {
			t.Errorf("%.40s: %d %s", c.body, code, body)
		}
	}
	if code, _ := e.status(e.client(), "POST", "/api/v1/session", `{"email":"x","password":"y","admin":true}`); code != 400 {
		t.Errorf("login with unknown field: %d", code)
	}
	if len(e.svc.starts) != 0 {
		t.Error("a refused body started a run")
	}
}

// Every value is rendered escaped, and the CSP allows only this origin.
func TestSecurityEscapingAndCSP(t *testing.T) {
	e := newEnv(t)
	eva := e.login("eva@vendor.example")
	for _, path := range []string{"/", "/m/acme/runs/1", "/m/acme/audit"} {
		res := e.do(eva, "GET", path, "", nil)
		body := readAll(res)
		if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
		if strings.Contains(body, "<script>alert") || strings.Contains(body, "<b>run 1</b>") || strings.Contains(body, "ACME <AG>") {
			t.Errorf("%s renders a value unescaped", path)
		}
	}
	body := readAll(e.do(eva, "GET", "/m/acme/runs/1", "", nil))
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the <script> cell is not shown as text")
	}
}

// Login, failed login, download, sign-off and run start are audited with
// the account.
func TestSecurityAudited(t *testing.T) {
	e := newEnv(t)
	e.status(e.client(), "POST", "/api/v1/session", `{"email":"eva@vendor.example","password":"wrong"}`)
	eva := e.login("eva@vendor.example")
	e.status(eva, "POST", "/api/v1/migrations/acme/runs", `{"kind":"check"}`)
	e.status(eva, "GET", "/api/v1/migrations/acme/runs/1/rejects/contacts.csv", "")
	e.status(eva, "GET", "/api/v1/migrations/acme/runs/1/files/protocol.json", "")
	want := []string{
		"|eva@vendor.example|login failed|",
		"|eva@vendor.example|login|role engineer",
		"acme|eva@vendor.example|run start|run 2: check",
		"acme|eva@vendor.example|download|run 1 rejects/contacts.csv",
		"acme|eva@vendor.example|download|run 1 protocol.json",
	}
	got := strings.Join(e.svc.recorded(), "\n")
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("audit lacks %q; have:\n%s", w, got)
		}
	}
	// The sign-off's own audit entry is the service's (it writes it with
	// the sign-off); the server hands it the account.
	ann := e.login("ann@acme.example")
	e.status(ann, "POST", "/api/v1/migrations/acme/runs/1/signoffs", `{"role":"customer"}`)
	if len(e.svc.signs) != 1 || e.svc.signs[0].Actor.Email != "ann@acme.example" {
		t.Errorf("sign-off actor: %+v", e.svc.signs)
	}
}
