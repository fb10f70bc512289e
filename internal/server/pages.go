package server

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/account"
)

//go:embed web
var webFS embed.FS

// pages holds the parsed templates, one set per screen.
type pages struct {
	screens map[string]*template.Template
	static  http.Handler
}

var funcs = template.FuncMap{
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02 15:04 UTC")
	},
	"pct": func(a, b int64) string {
		if b == 0 {
			return "0 %"
		}
		return strconv.FormatFloat(100*float64(a)/float64(b), 'f', 1, 64) + " %"
	},
	"days": func(d *int) string {
		switch {
		case d == nil:
			return "no day J"
		case *d > 0:
			return fmt.Sprintf("J-%d", *d)
		case *d == 0:
			return "J"
		}
		return fmt.Sprintf("J+%d", -*d)
	},
	"path":  url.PathEscape,
	"coord": func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
	"join":  strings.Join,
}

func newPages() (*pages, error) {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return nil, err
	}
	p := &pages{screens: map[string]*template.Template{}}
	for _, name := range []string{"login", "migrations", "migration", "run", "signoff", "audit", "error"} {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(sub, "layout.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("parse screen %s: %w", name, err)
		}
		p.screens[name] = t
	}
	static, err := fs.Sub(sub, "static")
	if err != nil {
		return nil, err
	}
	p.static = http.StripPrefix("/static/", http.FileServerFS(static))
	return p, nil
}

// view is what every screen gets.
type view struct {
	Title   string
	Account *account.Account
	Flash   string
	Data    any
}

// render writes a screen; the template runs into a buffer first so a
// failure never leaves half a page.
func (s *Server) render(w http.ResponseWriter, status int, name string, v view) error {
	var buf bytes.Buffer
	if err := s.pages.screens[name].Execute(&buf, v); err != nil {
		return fmt.Errorf("render %s: %w", name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, err := buf.WriteTo(w)
	return err
}

// page registers a screen handler: no account → the login screen; an
// error → an HTML error screen with the API's status.
func (s *Server) page(mux *http.ServeMux, method, path string, h func(http.ResponseWriter, *http.Request, *account.Account) error) {
	s.routes = append(s.routes, route{method, path})
	pattern := method + " " + path
	mux.Handle(pattern, s.metrics.measure(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc := accountOf(r)
		if acc == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err := h(w, r, acc); err != nil {
			status, msg := statusOf(err)
			if status >= 500 {
				s.writeError(w, r, err) // logs; JSON is fine for a broken page
				return
			}
			_ = s.render(w, status, "error", view{Title: http.StatusText(status), Account: acc, Data: msg})
		}
	})))
}

func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET /static/", s.pages.static)
	s.handle(mux, "GET", "/login", s.loginPage)
	s.handle(mux, "POST", "/login", s.loginForm)
	s.handle(mux, "POST", "/logout", func(w http.ResponseWriter, r *http.Request) error {
		if err := s.logout(r.Context(), w, r); err != nil {
			return err
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return nil
	})
	s.page(mux, "GET", "/{$}", s.migrationsPage)
	s.page(mux, "GET", "/m/{m}", s.migrationPage)
	s.page(mux, "POST", "/m/{m}/runs", s.startForm)
	s.page(mux, "POST", "/m/{m}/confirm", s.confirmForm)
	s.page(mux, "GET", "/m/{m}/runs/{n}", s.runPage)
	s.page(mux, "GET", "/m/{m}/runs/{n}/rejects/{file}", s.rejectsDownload)
	s.page(mux, "GET", "/m/{m}/runs/{n}/files/{file}", s.fileDownload)
	s.page(mux, "GET", "/m/{m}/runs/{n}/signoff", s.signOffPage)
	s.page(mux, "POST", "/m/{m}/runs/{n}/signoff", s.signOffForm)
	s.page(mux, "GET", "/m/{m}/audit", s.auditPage)
}

// safeNext keeps a post-login redirect on this site.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) error {
	return s.render(w, http.StatusOK, "login", view{Title: "Log in", Data: s.loginData(safeNext(r.URL.Query().Get("next")), "")})
}

// loginData is the login screen's: where to go after it, the e-mail typed,
// and whether an OpenID Connect login is offered.
func (s *Server) loginData(next, email string) map[string]string {
	d := map[string]string{"Next": next, "Email": email}
	if s.oidc != nil {
		d["OIDC"] = "/login/oidc?next=" + url.QueryEscape(next)
	}
	return d
}

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form")
	}
	next := safeNext(r.PostForm.Get("next"))
	if _, err := s.login(r.Context(), w, r, r.PostForm.Get("email"), r.PostForm.Get("password")); err != nil {
		status, msg := statusOf(err)
		if status >= 500 {
			return err
		}
		return s.render(w, status, "login", view{Title: "Log in", Flash: msg, Data: s.loginData(next, r.PostForm.Get("email"))})
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *Server) migrationsPage(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	ms, err := s.visible(r, acc)
	if err != nil {
		return err
	}
	if one := visibleOne(ms); one != "" && customerHome(w, r, acc, portalPath(one)) {
		return nil
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Cutover < ms[j].Cutover })
	return s.render(w, http.StatusOK, "migrations", view{Title: "Migrations", Account: acc, Data: ms})
}

func (s *Server) migrationPage(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	if customerHome(w, r, acc, portalPath(m)) {
		return nil
	}
	ov, err := s.svc.Overview(r.Context(), m)
	if err != nil {
		return err
	}
	runs, err := s.svc.Runs(r.Context(), m)
	if err != nil {
		return err
	}
	recent := runs[max(0, len(runs)-20):]
	rev := make([]RunSummary, len(recent))
	for i, run := range recent {
		rev[len(recent)-1-i] = run
	}
	data := map[string]any{"O": ov, "Runs": rev, "CanStart": may(acc.Role, "start"), "CanAudit": may(acc.Role, "audit")}
	return s.render(w, http.StatusOK, "migration", view{Title: m, Account: acc, Flash: r.URL.Query().Get("flash"), Data: data})
}

func (s *Server) startForm(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	if !may(acc.Role, "start") {
		return errForbidden("start runs")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form")
	}
	x, _ := strconv.Atoi(r.PostForm.Get("extraction"))
	n, err := s.start(r, acc, StartRequest{Migration: m, Kind: r.PostForm.Get("kind"), Env: r.PostForm.Get("env"), Extraction: x})
	if err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("/m/%s/runs/%d", url.PathEscape(m), n), http.StatusSeeOther)
	return nil
}

func (s *Server) confirmForm(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return errStatus(http.StatusBadRequest, "bad form")
	}
	step := r.PostForm.Get("step")
	if err := s.confirm(r, acc, ConfirmRequest{Migration: m, Step: step, Note: r.PostForm.Get("note")}); err != nil {
		return err
	}
	flash := fmt.Sprintf("step %s confirmed by %s", step, acc.Email)
	http.Redirect(w, r, fmt.Sprintf("/m/%s?flash=%s", url.PathEscape(m), url.QueryEscape(flash)), http.StatusSeeOther)
	return nil
}
