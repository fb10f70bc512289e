package server

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/protocol"
)

// maxRejectRows bounds the rejects table of the run screen; the downloads
// have them all.
const maxRejectRows = 500

// ruleCount is one line of "rejects by rule" or "by field".
type ruleCount struct {
	Entity, Key string
	Count       int
}

// runScreen is what the run screen shows.
type runScreen struct {
	M        string
	Run      *RunDetail
	Running  bool
	ByRule   []ruleCount
	ByField  []ruleCount
	Entity   string // rejects table filter
	Field    string
	Rule     string // "field/rule": the rejects file keeps messages per field, so rows match by the rule's field
	Text     string // a substring of the problems
	Rejects  *Rejects
	Shown    []RejectRow
	Matching int
	CanSign  bool
	Entities []string
	Profile  []profileChart // the column profile as charts; nil without profile.json
}

func (s *Server) runPage(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	if customerHome(w, r, acc, fmt.Sprintf("%s/runs/%d", portalPath(m), run.Run)) {
		return nil
	}
	q := r.URL.Query()
	v := &runScreen{M: m, Run: run, Running: run.Protocol == nil, Field: q.Get("field"), Rule: q.Get("rule"), Text: q.Get("q"),
		CanSign: may(acc.Role, "signoff") && run.Protocol != nil}
	if p := run.Protocol; p != nil {
		v.ByRule, v.ByField = rejectCounts(p)
		v.Profile = s.loadProfile(r, m, run.Run)
		for _, e := range p.Entities {
			if e.Rejected > 0 {
				v.Entities = append(v.Entities, e.Name)
			}
		}
		v.Entity = q.Get("entity")
		if v.Entity == "" && len(v.Entities) > 0 {
			v.Entity = v.Entities[0]
		}
		if hasEntity(run, v.Entity) {
			if err := v.loadRejects(r, s, m); err != nil {
				return err
			}
		}
	}
	return s.render(w, http.StatusOK, "run", view{Title: fmt.Sprintf("%s run %d", m, run.Run), Account: acc, Flash: q.Get("flash"), Data: v})
}

func (v *runScreen) loadRejects(r *http.Request, s *Server, m string) error {
	rej, err := s.svc.Rejects(r.Context(), m, v.Run.Run, v.Entity)
	if err != nil {
		return err
	}
	v.Rejects = rej
	for _, row := range rej.Rows {
		if v.Field != "" && !hasProblemOn(row, v.Field) {
			continue
		}
		if field, _, _ := strings.Cut(v.Rule, "/"); v.Rule != "" && !hasProblemOn(row, field) {
			continue
		}
		if v.Text != "" && !strings.Contains(strings.ToLower(row.Errors), strings.ToLower(v.Text)) {
			continue
		}
		v.Matching++
		if len(v.Shown) < maxRejectRows {
			v.Shown = append(v.Shown, row)
		}
	}
	return nil
}

// hasProblemOn reports whether one of the row's problems is on field
// (messages read "field: …", joined with " | ").
func hasProblemOn(row RejectRow, field string) bool {
	for _, p := range strings.Split(row.Errors, " | ") {
		if strings.HasPrefix(p, field+":") {
			return true
		}
	}
	return false
}

// rejectCounts turns rejects_by_rule ("field/rule" → n) into counts by
// rule and by field, largest first.
func rejectCounts(p *protocol.Protocol) (byRule, byField []ruleCount) {
	for _, e := range p.Entities {
		fields := map[string]int{}
		for key, n := range e.RejectsByRule {
			byRule = append(byRule, ruleCount{e.Name, key, n})
			field, _, _ := strings.Cut(key, "/")
			fields[field] += n
		}
		for f, n := range fields {
			byField = append(byField, ruleCount{e.Name, f, n})
		}
	}
	sortCounts := func(c []ruleCount) {
		sort.Slice(c, func(i, j int) bool {
			if c[i].Count != c[j].Count {
				return c[i].Count > c[j].Count
			}
			return c[i].Entity+c[i].Key < c[j].Entity+c[j].Key
		})
	}
	sortCounts(byRule)
	sortCounts(byField)
	return byRule, byField
}

func (s *Server) rejectsDownload(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	return s.apiRejects(w, r, acc)
}

func (s *Server) fileDownload(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	return s.apiRunFile(w, r, acc)
}

func (s *Server) signOffPage(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	if !may(acc.Role, "signoff") {
		return errForbidden("sign off runs")
	}
	if run.Protocol == nil {
		return fmt.Errorf("%w: run %d has not finished", ErrRefused, run.Run)
	}
	return s.render(w, http.StatusOK, "signoff", view{Title: fmt.Sprintf("Sign off run %d", run.Run), Account: acc,
		Data: map[string]any{"M": m, "Run": run, "Role": acc.Role}})
}

func (s *Server) signOffForm(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, req, err := s.signOffPosted(w, r, acc, "")
	if err != nil {
		return err
	}
	flash := fmt.Sprintf("run %d %s as %s by %s", run.Run, signedWord(req), req.Role, acc.Email)
	http.Redirect(w, r, fmt.Sprintf("/m/%s/runs/%d?flash=%s", url.PathEscape(m), run.Run, url.QueryEscape(flash)), http.StatusSeeOther)
	return nil
}

// signOffPosted records the sign-off or refusal a form posts for run {n}
// as acc, in role (""; the form's role), bound to the protocol hash the
// form carries: the team's and the portal's sign-off forms.
func (s *Server) signOffPosted(w http.ResponseWriter, r *http.Request, acc *account.Account, role string) (string, *RunDetail, SignOffRequest, error) {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return "", nil, SignOffRequest{}, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return "", nil, SignOffRequest{}, errStatus(http.StatusBadRequest, "bad form")
	}
	if role == "" {
		role = r.PostForm.Get("role")
	}
	req := SignOffRequest{Migration: m, Run: run.Run, Role: role, Note: r.PostForm.Get("note"),
		Refuse: r.PostForm.Get("decision") == "refuse", ProtocolHash: r.PostForm.Get("protocol_hash")}
	if req.ProtocolHash == "" {
		return "", nil, SignOffRequest{}, errStatus(http.StatusBadRequest, "the form lost the protocol hash: reload the page")
	}
	if err := s.signOff(r, acc, req); err != nil {
		return "", nil, SignOffRequest{}, err
	}
	return m, run, req, nil
}

// signedWord is what a sign-off did, for a flash message.
func signedWord(req SignOffRequest) string {
	if req.Refuse {
		return "refused"
	}
	return "signed off"
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, log, err := s.auditOf(r, acc)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	actor, action, text := q.Get("actor"), q.Get("action"), q.Get("q")
	var shown []AuditEntry
	for i := len(log.Entries) - 1; i >= 0; i-- {
		e := log.Entries[i]
		if (actor == "" || strings.Contains(e.Actor, actor)) && (action == "" || e.Action == action) &&
			(text == "" || strings.Contains(strings.ToLower(e.Detail), strings.ToLower(text))) {
			shown = append(shown, e)
		}
	}
	actions := map[string]bool{}
	for _, e := range log.Entries {
		actions[e.Action] = true
	}
	var names []string
	for a := range actions {
		names = append(names, a)
	}
	sort.Strings(names)
	return s.render(w, http.StatusOK, "audit", view{Title: m + " audit", Account: acc, Data: map[string]any{
		"M": m, "Log": log, "Shown": shown, "Actor": actor, "Action": action, "Q": text, "Actions": names}})
}
