package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
)

const pw = "a long password"

// env is a server over the fake service with real accounts on SQLite.
type env struct {
	t        *testing.T
	svc      *fakeService
	accounts *account.Store
	ts       *httptest.Server
	now      time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, svc: newFake(), now: t0}
	accs, err := accountdb.OpenDSN(context.Background(), "sqlite://"+filepath.Join(t.TempDir(), "state.db"),
		account.WithArgon2(account.Argon2{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { accs.Close() })
	e.accounts = accs
	for _, a := range []account.Account{
		{Email: "eva@vendor.example", Name: "Eva", Role: account.RoleEngineer},
		{Email: "rita@vendor.example", Name: "Rita", Role: account.RoleReviewer},
		{Email: "ann@acme.example", Name: "Ann", Role: account.RoleCustomer, Migrations: []string{"acme"}},
		{Email: "root@vendor.example", Name: "Root", Role: account.RoleAdmin},
	} {
		if _, err := accs.Add(context.Background(), a, pw); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(Config{Service: e.svc, Accounts: accs, Now: func() time.Time { return e.now }})
	if err != nil {
		t.Fatal(err)
	}
	e.ts = httptest.NewTLSServer(srv.Handler())
	t.Cleanup(e.ts.Close)
	return e
}

// client is a browser-like client with its own cookie jar.
func (e *env) client() *http.Client {
	c := *e.ts.Client() // a copy: the jar is this client's own
	jar, _ := cookiejar.New(nil)
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

// login returns a client logged in as email.
func (e *env) login(email string) *http.Client {
	e.t.Helper()
	c := e.client()
	res := e.do(c, "POST", "/api/v1/session", `{"email":"`+email+`","password":"`+pw+`"}`, nil)
	if res.StatusCode != http.StatusOK {
		e.t.Fatalf("login %s: %d %s", email, res.StatusCode, readAll(res))
	}
	res.Body.Close()
	return c
}

func (e *env) do(c *http.Client, method, path, body string, hdr map[string]string) *http.Response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.ts.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" && !strings.HasPrefix(body, "email=") && !strings.Contains(body, "=") {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	res, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func (e *env) status(c *http.Client, method, path, body string) (int, string) {
	e.t.Helper()
	res := e.do(c, method, path, body, nil)
	return res.StatusCode, readAll(res)
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	if code, body := e.status(c, "GET", "/healthz", ""); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Errorf("healthz: %d %s", code, body)
	}
	e.status(e.login("eva@vendor.example"), "GET", "/api/v1/migrations", "")
	code, body := e.status(c, "GET", "/metrics", "")
	for _, want := range []string{`handover_runs{status="succeeded"} 3`, "handover_job_queue_depth 0",
		`handover_http_request_duration_seconds_count{code="200",route="GET /api/v1/migrations"} 1`} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
}

func TestMigrationsScopedToAccount(t *testing.T) {
	e := newEnv(t)
	for email, want := range map[string]string{"ann@acme.example": "acme", "eva@vendor.example": "acme,beta", "root@vendor.example": "acme,beta"} {
		code, body := e.status(e.login(email), "GET", "/api/v1/migrations", "")
		var got struct{ Migrations []Migration }
		if code != 200 || json.Unmarshal([]byte(body), &got) != nil {
			t.Fatalf("%s: %d %s", email, code, body)
		}
		var names []string
		for _, m := range got.Migrations {
			names = append(names, m.Name)
		}
		if strings.Join(names, ",") != want {
			t.Errorf("%s sees %v, want %s", email, names, want)
		}
	}
	if code, body := e.status(e.client(), "GET", "/api/v1/migrations", ""); code != 401 || !strings.Contains(body, `"error"`) {
		t.Errorf("anonymous: %d %s", code, body)
	}
}

func TestBearerToken(t *testing.T) {
	e := newEnv(t)
	tok, err := e.accounts.NewToken(context.Background(), "eva@vendor.example")
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	res := e.do(c, "GET", "/api/v1/me", "", map[string]string{"Authorization": "Bearer " + tok})
	if body := readAll(res); res.StatusCode != 200 || !strings.Contains(body, "eva@vendor.example") {
		t.Errorf("token: %d %s", res.StatusCode, body)
	}
	for _, h := range []string{"Bearer " + tok + "x", "Basic abc", "Bearer "} {
		res := e.do(c, "GET", "/api/v1/me", "", map[string]string{"Authorization": h})
		if body := readAll(res); res.StatusCode != 401 {
			t.Errorf("%q: %d %s", h, res.StatusCode, body)
		}
	}
}

func TestStartRunAPI(t *testing.T) {
	e := newEnv(t)
	c := e.login("eva@vendor.example")
	code, body := e.status(c, "POST", "/api/v1/migrations/acme/runs", `{"kind":"import","env":"dev","extraction":1}`)
	if code != 202 || strings.TrimSpace(strings.Join(strings.Fields(body), "")) != `{"run":2}` {
		t.Fatalf("start: %d %s", code, body)
	}
	if len(e.svc.starts) != 1 || e.svc.starts[0].Actor.Email != "eva@vendor.example" || e.svc.starts[0].Env != "dev" {
		t.Errorf("service got %+v", e.svc.starts)
	}
	for _, bad := range []string{`{"kind":"delete"}`, `{"kind":"import"}`, `{"kind":"check","env":"dev"}`, `{"kind":"check","extraction":-1}`} {
		if code, body := e.status(c, "POST", "/api/v1/migrations/acme/runs", bad); code != 400 {
			t.Errorf("%s: %d %s", bad, code, body)
		}
	}
}

// TestOpenAPIMatchesRouter: every API route is documented with its method,
// and nothing is documented that is not routed.
func TestOpenAPIMatchesRouter(t *testing.T) {
	e := newEnv(t)
	code, body := e.status(e.client(), "GET", "/api/v1/openapi.json", "")
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if code != 200 || json.Unmarshal([]byte(body), &doc) != nil || !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi.json: %d", code)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	srv, err := New(Config{Service: newFake(), Accounts: e.accounts})
	if err != nil {
		t.Fatal(err)
	}
	routed := map[string]bool{}
	for _, r := range srv.routes {
		if strings.HasPrefix(r.path, "/api/") || r.path == "/healthz" || r.path == "/metrics" {
			routed[r.method+" "+r.path] = true
		}
	}
	for k := range routed {
		if !documented[k] {
			t.Errorf("route %s is not in openapi.json", k)
		}
	}
	for k := range documented {
		if !routed[k] {
			t.Errorf("openapi.json documents %s, which is not routed", k)
		}
	}
	if len(routed) < 15 {
		t.Errorf("only %d API routes found", len(routed))
	}
}

func TestLogoutAndPages(t *testing.T) {
	e := newEnv(t)
	c := e.login("eva@vendor.example")
	for _, path := range []string{"/", "/m/acme", "/m/acme/runs/1", "/m/acme/audit", "/m/acme/runs/1?entity=contacts&rule=email"} {
		code, body := e.status(c, "GET", path, "")
		if code != 200 || !strings.Contains(body, "</html>") {
			t.Errorf("%s: %d", path, code)
		}
	}
	if code, _ := e.status(c, "POST", "/logout", "x=1"); code != http.StatusSeeOther {
		t.Errorf("logout: %d", code)
	}
	res := e.do(c, "GET", "/m/acme", "", nil)
	readAll(res)
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/login?next=") {
		t.Errorf("after logout: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestLoginForm(t *testing.T) {
	e := newEnv(t)
	c := e.client()
	form := url.Values{"email": {"rita@vendor.example"}, "password": {pw}, "next": {"//evil.example/x"}}
	req, _ := http.NewRequest("POST", e.ts.URL+"/login", bytes.NewBufferString(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	readAll(res)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		t.Errorf("login form: %d to %q (an off-site next must not be followed)", res.StatusCode, res.Header.Get("Location"))
	}
}
