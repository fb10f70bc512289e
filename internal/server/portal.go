package server

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/docs"
)

// Portal is what the customer portal asks of the application beyond
// Service: the documentation of the import format and the fill-in
// template (what `handover docs` and `handover template` write). A
// Service without it serves the portal without them.
type Portal interface {
	// FormatDoc documents migration m's import format for the customer.
	FormatDoc(ctx context.Context, m string) (*docs.Doc, error)
	// WriteTemplate writes migration m's fill-in workbook (.xlsx).
	WriteTemplate(ctx context.Context, m string, w io.Writer) error
}

// Runbook steps the portal words for the customer.
const (
	stepExtraction1 = "extraction_1"
	stepExtraction2 = "extraction_2"
	stepValidation  = "customer_validation"
	stepFreeze      = "freeze"
	stepGoLive      = "prod_import"
)

// portalPath is the customer portal of migration m.
func portalPath(m string) string { return "/portal/" + url.PathEscape(m) }

// portalScreens are the portal's templates; portal_parts.html holds what
// they share (the navigation, the sign-off form).
var portalScreens = []string{"portal", "portal_run", "portal_format", "portal_delivery"}

// addPortalScreens parses the portal's screens into p.
func (p *pages) addPortalScreens() error {
	sub, err := fs.Sub(webFS, "web")
	if err != nil {
		return err
	}
	fm := template.FuncMap{
		"delimiter": delimiterWords,
		"signed": func(n int64) string {
			if n > 0 {
				return fmt.Sprintf("+%d", n)
			}
			return fmt.Sprint(n)
		},
		"deliveryStatus": func(s string) string {
			return map[string]string{"received": "received", "checking": "being checked", "checked": "checked",
				"check_failed": "could not be checked", "submitted": "submitted"}[s]
		},
		"bytes":     humanBytes,
		"fieldPart": func(key string) string { f, _, ok := strings.Cut(key, "/"); return map[bool]string{true: f}[ok] },
		"rulePart": func(key string) string {
			if _, r, ok := strings.Cut(key, "/"); ok {
				return r
			}
			return key
		},
	}
	for _, name := range portalScreens {
		t, err := template.New("layout.html").Funcs(funcs).Funcs(fm).ParseFS(sub, "layout.html", name+".html", "portal_parts.html")
		if err != nil {
			return fmt.Errorf("parse screen %s: %w", name, err)
		}
		p.screens[name] = t
	}
	return nil
}

func (s *Server) portalRoutes(mux *http.ServeMux) error {
	if err := s.pages.addPortalScreens(); err != nil {
		return err
	}
	s.page(mux, "GET", "/portal/{m}", s.portalHome)
	s.page(mux, "GET", "/portal/{m}/format", s.portalFormat)
	s.page(mux, "GET", "/portal/{m}/format/{file}", s.portalFormatDownload)
	s.page(mux, "GET", "/portal/{m}/template.xlsx", s.portalTemplate)
	s.page(mux, "GET", "/portal/{m}/runs/{n}", s.portalRun)
	s.page(mux, "POST", "/portal/{m}/runs/{n}/signoff", s.portalSignOff)
	s.page(mux, "POST", "/portal/{m}/deliveries", s.portalDeliver)
	s.page(mux, "POST", "/portal/{m}/deliveries/{n}/submit", s.portalSubmit)
	return nil
}

// customerHome sends a customer from the team's screens to the portal:
// the migrations list to the portal of their one migration, a migration
// or run screen to the portal's own. It reports whether it answered.
func customerHome(w http.ResponseWriter, r *http.Request, acc *account.Account, target string) bool {
	if acc.Role != account.RoleCustomer {
		return false
	}
	if r.URL.RawQuery != "" {
		target += "?" + r.URL.RawQuery
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
	return true
}

// portalStep is a runbook step as the customer sees it: no evidence, no
// notes (they are the team's).
type portalStep struct {
	ID       string
	Title    string
	Relative string
	Due      time.Time
	Status   string
	Overdue  bool
	Yours    bool // the customer owns it
}

// expectation is what the portal asks of the customer now.
type expectation struct {
	Headline string
	Detail   string
	Link     string // where to do it; "" when nothing to click
	LinkText string
	Waiting  bool // nothing is expected of the customer
}

// portalHomeScreen is what the portal's home screen shows.
type portalHomeScreen struct {
	M          string
	O          *Overview
	Steps      []portalStep
	Expect     expectation
	Deliveries []portalDelivery // newest first
	Submitted  *DeliverySummary // the newest submitted delivery
	SignOff    *signOffView
	HasDocs    bool
	Preview    bool // a team account looking at the customer's view
	Upload     *uploadForm
}

// portalDelivery is one delivery on the portal's home.
type portalDelivery struct {
	DeliverySummary
	CanSubmit bool
}

// canSubmit reports whether acc may submit delivery d now: a customer,
// once its check has validated it, when it is not submitted yet.
func canSubmit(acc *account.Account, d DeliverySummary) bool {
	return acc.Role == account.RoleCustomer && d.Status == "checked"
}

func (s *Server) portalHome(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, ov, err := s.overviewOf(r, acc)
	if err != nil {
		return err
	}
	ds, err := s.svc.Deliveries(r.Context(), m)
	if err != nil {
		return err
	}
	v := &portalHomeScreen{M: m, O: ov, Preview: acc.Role != account.RoleCustomer}
	_, v.HasDocs = s.svc.(Portal)
	for _, st := range ov.Plan {
		if st.Owner == account.RoleCustomer || st.ID == stepGoLive {
			v.Steps = append(v.Steps, portalStep{ID: st.ID, Title: customerTitle(st), Relative: st.Relative, Due: st.Due,
				Status: st.Status, Overdue: st.Overdue, Yours: st.Owner == account.RoleCustomer})
		}
	}
	for i := len(ds) - 1; i >= 0; i-- { // newest first
		v.Deliveries = append(v.Deliveries, portalDelivery{DeliverySummary: ds[i], CanSubmit: canSubmit(acc, ds[i])})
		if ds[i].Submitted != nil && v.Submitted == nil {
			v.Submitted = &ds[i]
		}
	}
	if v.SignOff, err = s.signOffView(r.Context(), acc, m, ov, nil); err != nil {
		return err
	}
	if v.Upload, err = s.uploadOf(r, acc, m); err != nil {
		return err
	}
	v.Expect = s.expect(m, ov, v)
	return s.render(w, http.StatusOK, "portal", view{Title: m, Account: acc, Flash: r.URL.Query().Get("flash"), Data: v})
}

// customerTitle words a step for the customer.
func customerTitle(st Step) string {
	switch st.ID {
	case stepExtraction1:
		return "You deliver your data (first extraction)"
	case stepExtraction2:
		return "You deliver the second, final extraction (optional)"
	case stepValidation:
		return "You validate the test system (preprod) and sign off"
	case stepFreeze:
		return "Your old system is set read-only"
	case stepGoLive:
		return "Go-live: your data is imported into production"
	}
	return st.Title
}

// expect says what the customer should do now: the first of their steps
// not done, worded as a task, with where to do it.
func (s *Server) expect(m string, ov *Overview, v *portalHomeScreen) expectation {
	if len(v.Deliveries) > 0 && v.Submitted == nil && v.Deliveries[0].By != "" {
		d := v.Deliveries[0]
		e := expectation{Headline: fmt.Sprintf("Fix and submit your delivery %d", d.Extraction),
			Detail: "Look at the result of its check: fix the rows that would be rejected and upload again, or submit it to the team as it is. The team imports the delivery you submit."}
		if d.Status == "checking" {
			e.Detail = fmt.Sprintf("Delivery %d is being checked.", d.Extraction)
		}
		if d.Run > 0 {
			e.Link, e.LinkText = fmt.Sprintf("%s/runs/%d", portalPath(m), d.Run), fmt.Sprintf("See the result of delivery %d", d.Extraction)
		}
		return e
	}
	var next *Step
	for i := range ov.Plan {
		st := &ov.Plan[i]
		if st.Owner == account.RoleCustomer && st.Status != "done" && st.Status != "skipped" {
			next = st
			break
		}
	}
	if next == nil {
		e := expectation{Headline: "Nothing is expected of you right now", Waiting: true}
		if ov.Next != nil {
			e.Detail = "The team's next step: " + ov.Next.Title + " (" + ov.Next.Relative + ", " + ov.Next.Due.Format(time.DateOnly) + ")."
		}
		return e
	}
	due := next.Relative + ", " + next.Due.Format("Monday 2 January 2006")
	if next.Status == "blocked" && next.ID != stepExtraction1 && next.ID != stepExtraction2 { // a delivery is never too early
		e := expectation{Headline: "Next for you: " + customerTitle(*next) + " (" + due + ")", Waiting: true}
		if ov.Next != nil {
			e.Detail = "The team is working on: " + ov.Next.Title + "."
		}
		if next.ID == stepValidation {
			e.Detail = "The team imports your data into the test system (preprod) first; you validate it here."
		}
		return e
	}
	switch next.ID {
	case stepExtraction1, stepExtraction2:
		e := expectation{Headline: "Deliver your data by " + due,
			Detail: "Fill in the template (or export in the agreed format) and upload it below. It is checked at once: you see which rows would be rejected and why, fix them, and upload again."}
		if v.Upload != nil {
			e.Link, e.LinkText = "#upload", "Upload your files"
		}
		return e
	case stepValidation:
		e := expectation{Headline: "Validate the test system and sign off: " + due}
		switch so := v.SignOff; {
		case so == nil:
			e.Detail = "The team imports your data into the test system (preprod) first; you will validate it here."
		case !so.Open:
			e.Detail = "Your data is in the test system (run " + fmt.Sprint(so.Run.Run) + "). Sign-off opens on " + so.Due.Format("2 January 2006") + "."
		default:
			e.Detail = "Check your data in the test system, then sign off or refuse below."
		}
		return e
	case stepFreeze:
		return expectation{Headline: "Set your old system read-only: " + due,
			Detail: "From then on no record may change in the old system; tell the team once it is done. They confirm it here."}
	}
	return expectation{Headline: customerTitle(*next) + ": " + due}
}

// portalFormat renders the import format's documentation.
func (s *Server) portalFormat(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	p, ok := s.svc.(Portal)
	if !ok {
		return errStatus(http.StatusNotFound, "this server documents no import format")
	}
	d, err := p.FormatDoc(r.Context(), m)
	if err != nil {
		return err
	}
	return s.render(w, http.StatusOK, "portal_format", view{Title: d.Title, Account: acc, Data: map[string]any{"M": m, "Doc": d}})
}

// portalFormatDownload sends the documentation as a file: format.html (a
// self-contained page, as `handover docs -o FILE.html`) or format.md.
func (s *Server) portalFormatDownload(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	p, ok := s.svc.(Portal)
	file := r.PathValue("file")
	write := map[string]func(io.Writer, *docs.Doc) error{"format.html": docs.WriteHTML, "format.md": docs.WriteMarkdown}[file]
	if !ok || write == nil {
		return errStatus(http.StatusNotFound, "%q not found (want format.html or format.md)", file)
	}
	d, err := p.FormatDoc(r.Context(), m)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := write(&buf, d); err != nil {
		return err
	}
	ctype := map[string]string{"format.html": "text/html; charset=utf-8", "format.md": "text/markdown; charset=utf-8"}[file]
	return s.sendFile(w, r, acc, m, ctype, fmt.Sprintf("%s-%s", m, file), &buf)
}

// portalTemplate sends the fill-in workbook.
func (s *Server) portalTemplate(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	p, ok := s.svc.(Portal)
	if !ok {
		return errStatus(http.StatusNotFound, "this server has no template")
	}
	var buf bytes.Buffer
	if err := p.WriteTemplate(r.Context(), m, &buf); err != nil {
		return err
	}
	return s.sendFile(w, r, acc, m, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", m+"-template.xlsx", &buf)
}

// sendFile answers a download built in memory and audits it.
func (s *Server) sendFile(w http.ResponseWriter, r *http.Request, acc *account.Account, m, ctype, name string, body *bytes.Buffer) error {
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", name))
	if _, err := body.WriteTo(w); err != nil {
		return nil // the status is sent
	}
	s.record(r.Context(), m, AuditRecord{Actor: acc.Email, Action: "download", Detail: name})
	return nil
}

// visibleOne is the only migration of ms, "" when there are several.
func visibleOne(ms []Migration) string {
	if len(ms) == 1 {
		return ms[0].Name
	}
	return ""
}

// customerStep is st without what is the team's: its evidence and note.
func customerStep(st *Step) *Step {
	if st == nil {
		return nil
	}
	c := *st
	c.Evidence, c.Note = nil, ""
	return &c
}

// customerOverview is what the API shows a customer of a migration: the
// runbook without evidence or notes, sign-offs without the team's notes.
func customerOverview(ov *Overview) *Overview {
	c := *ov
	c.Next = customerStep(ov.Next)
	c.Plan = make([]Step, len(ov.Plan))
	for i := range ov.Plan {
		c.Plan[i] = *customerStep(&ov.Plan[i])
	}
	c.Lanes = make([]Lane, len(ov.Lanes))
	for i, l := range ov.Lanes {
		l.Signed = slices.Clone(l.Signed)
		for j := range l.Signed {
			if l.Signed[j].Role != account.RoleCustomer {
				l.Signed[j].Note = ""
			}
		}
		c.Lanes[i] = l
	}
	return &c
}
