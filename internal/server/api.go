package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/account"
)

func (s *Server) apiRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET", "/healthz", func(w http.ResponseWriter, _ *http.Request) error {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return nil
	})
	s.routes = append(s.routes, route{"GET", "/metrics"})
	mux.Handle("GET /metrics", s.metrics.handler())
	s.handle(mux, "GET", "/api/v1/openapi.json", s.openAPI)
	s.handle(mux, "POST", "/api/v1/session", s.apiLogin)
	s.handle(mux, "DELETE", "/api/v1/session", s.apiLogout)
	s.handle(mux, "GET", "/api/v1/me", s.authed(s.apiMe))
	s.handle(mux, "GET", "/api/v1/migrations", s.authed(s.apiMigrations))
	s.handle(mux, "GET", "/api/v1/migrations/{m}", s.authed(s.apiOverview))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/plan", s.authed(s.apiPlan))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/audit", s.authed(s.apiAudit))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/runs", s.authed(s.apiRuns))
	s.handle(mux, "POST", "/api/v1/migrations/{m}/runs", s.authed(s.apiStart))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/runs/{n}", s.authed(s.apiRun))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/runs/{n}/events", s.authed(s.apiEvents))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/runs/{n}/rejects/{file}", s.authed(s.apiRejects))
	s.handle(mux, "GET", "/api/v1/migrations/{m}/runs/{n}/files/{file}", s.authed(s.apiRunFile))
	s.handle(mux, "POST", "/api/v1/migrations/{m}/runs/{n}/signoffs", s.authed(s.apiSignOff))
	s.handle(mux, "POST", "/api/v1/migrations/{m}/confirmations", s.authed(s.apiConfirm))
	s.deliveryRoutes(mux)
}

// authed refuses requests without an account.
func (s *Server) authed(h func(http.ResponseWriter, *http.Request, *account.Account) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		acc := accountOf(r)
		if acc == nil {
			return errUnauthorized
		}
		return h(w, r, acc)
	}
}

// migration returns the {m} of the path when acc may see it; otherwise
// the same 404 as for a migration that does not exist.
func (s *Server) migration(r *http.Request, acc *account.Account) (string, error) {
	m := r.PathValue("m")
	if !acc.CanSee(m) {
		return "", errStatus(http.StatusNotFound, "migration %q not found", m)
	}
	if !s.svc.Serves(m) {
		return "", errStatus(http.StatusNotFound, "migration %q not found", m)
	}
	return m, nil
}

// runOf returns {m} and {n} when acc may see them; a run of another
// migration is simply not found in this one.
func (s *Server) runOf(r *http.Request, acc *account.Account) (string, *RunDetail, error) {
	m, err := s.migration(r, acc)
	if err != nil {
		return "", nil, err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n <= 0 {
		return "", nil, errStatus(http.StatusNotFound, "run %q not found", r.PathValue("n"))
	}
	run, err := s.svc.Run(r.Context(), m, n)
	if err != nil {
		return "", nil, err
	}
	return m, run, nil
}

// may reports whether a role may do an action; the table is the parties
// table of DESIGN.md.
func may(role, action string) bool {
	allowed := map[string][]string{
		"start":   {account.RoleAdmin, account.RoleEngineer},
		"audit":   {account.RoleAdmin, account.RoleEngineer, account.RoleReviewer, account.RoleLead},
		"signoff": {account.RoleReviewer, account.RoleLead, account.RoleCustomer},
		"deliver": {account.RoleAdmin, account.RoleEngineer, account.RoleCustomer},
		"submit":  {account.RoleCustomer},
	}
	return slices.Contains(allowed[action], role)
}

func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	acc, err := s.login(r.Context(), w, r, req.Email, req.Password)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, meJSON(acc))
	return nil
}

func (s *Server) apiLogout(w http.ResponseWriter, r *http.Request) error {
	if err := s.logout(r.Context(), w, r); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func meJSON(acc *account.Account) any {
	ms := acc.Migrations
	if ms == nil {
		ms = []string{}
	}
	return map[string]any{"email": acc.Email, "name": acc.Name, "role": acc.Role, "migrations": ms}
}

func (s *Server) apiMe(w http.ResponseWriter, _ *http.Request, acc *account.Account) error {
	writeJSON(w, http.StatusOK, meJSON(acc))
	return nil
}

// visible lists the migrations acc may see.
func (s *Server) visible(r *http.Request, acc *account.Account) ([]Migration, error) {
	all, err := s.svc.Migrations(r.Context())
	if err != nil {
		return nil, err
	}
	out := []Migration{}
	for _, m := range all {
		if acc.CanSee(m.Name) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (s *Server) apiMigrations(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	ms, err := s.visible(r, acc)
	if err != nil {
		return err
	}
	if acc.Role == account.RoleCustomer {
		for i := range ms {
			ms[i].Next = customerStep(ms[i].Next)
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"migrations": ms})
	return nil
}

// overviewOf is {m} and its overview when acc may see it: the
// prologue of the overview's, the plan's and the portal's home.
func (s *Server) overviewOf(r *http.Request, acc *account.Account) (string, *Overview, error) {
	m, err := s.migration(r, acc)
	if err != nil {
		return "", nil, err
	}
	ov, err := s.svc.Overview(r.Context(), m)
	return m, ov, err
}

// customerView is ov as acc may read it in the API.
func customerView(acc *account.Account, ov *Overview) *Overview {
	if acc.Role == account.RoleCustomer {
		return customerOverview(ov)
	}
	return ov
}

func (s *Server) apiOverview(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	_, ov, err := s.overviewOf(r, acc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, customerView(acc, ov))
	return nil
}

func (s *Server) apiPlan(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, ov, err := s.overviewOf(r, acc)
	if err != nil {
		return err
	}
	ov = customerView(acc, ov)
	writeJSON(w, http.StatusOK, map[string]any{"migration": m, "cutover": ov.Cutover, "steps": ov.Plan})
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	_, log, err := s.auditOf(r, acc)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, log)
	return nil
}

// auditOf is {m} and its audit log when acc may read it: the API's and
// the audit screen's.
func (s *Server) auditOf(r *http.Request, acc *account.Account) (string, *AuditLog, error) {
	m, err := s.migration(r, acc)
	if err != nil {
		return "", nil, err
	}
	if !may(acc.Role, "audit") {
		return "", nil, errForbidden("read the audit log")
	}
	log, err := s.svc.Audit(r.Context(), m)
	return m, log, err
}

func (s *Server) apiRuns(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	runs, err := s.svc.Runs(r.Context(), m)
	if err != nil {
		return err
	}
	if runs == nil {
		runs = []RunSummary{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"runs": runs})
	return nil
}

func (s *Server) apiRun(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	_, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	if run.Protocol == nil {
		writeJSON(w, http.StatusOK, run.RunSummary)
		return nil
	}
	proto := *run.Protocol
	proto.Artifacts = "" // a directory of the server: the downloads serve its files
	writeJSON(w, http.StatusOK, &proto)
	return nil
}

func (s *Server) apiStart(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	var req struct {
		Kind       string `json:"kind"`
		Env        string `json:"env"`
		Extraction int    `json:"extraction"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if !may(acc.Role, "start") && !(req.Kind == "check" && may(acc.Role, "deliver")) {
		return errForbidden("start a " + req.Kind) // a customer checks their deliveries, nothing else
	}
	n, err := s.start(r, acc, StartRequest{Migration: m, Kind: req.Kind, Env: req.Env, Extraction: req.Extraction})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/migrations/%s/runs/%d", m, n))
	writeJSON(w, http.StatusAccepted, map[string]int{"run": n})
	return nil
}

// start validates and starts a run and audits who started it.
func (s *Server) start(r *http.Request, acc *account.Account, req StartRequest) (int, error) {
	needsEnv, known := startKinds[req.Kind]
	switch {
	case !known:
		return 0, errStatus(http.StatusBadRequest, `kind: want "check", "import", "fixup" or "sync", not %q`, req.Kind)
	case needsEnv && req.Env == "":
		return 0, errStatus(http.StatusBadRequest, "env: a%s %s names its environment", map[bool]string{true: "n"}[req.Kind == "import"], req.Kind)
	case !needsEnv && req.Env != "":
		return 0, errStatus(http.StatusBadRequest, "env: a check has no environment")
	case req.Extraction < 0:
		return 0, errStatus(http.StatusBadRequest, "extraction: want a positive number, or 0 for the newest")
	}
	req.Actor = actorOf(acc)
	n, err := s.svc.Start(r.Context(), req)
	if err != nil {
		return 0, err
	}
	detail := fmt.Sprintf("run %d: %s", n, req.Kind)
	if req.Env != "" {
		detail += " into " + req.Env
	}
	s.record(r.Context(), req.Migration, AuditRecord{Actor: acc.Email, Action: "run start", Detail: detail})
	return n, nil
}

func (s *Server) apiSignOff(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	var req struct {
		Role         string `json:"role"`
		Note         string `json:"note"`
		Refuse       bool   `json:"refuse"`
		ProtocolHash string `json:"protocol_hash"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := s.signOff(r, acc, SignOffRequest{Migration: m, Run: run.Run, Role: req.Role, Note: req.Note,
		Refuse: req.Refuse, ProtocolHash: req.ProtocolHash}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"run": run.Run, "role": req.Role, "by": acc.Email, "refused": req.Refuse})
	return nil
}

// signOff checks the role may sign as req.Role and records it.
func (s *Server) signOff(r *http.Request, acc *account.Account, req SignOffRequest) error {
	if !slices.Contains([]string{account.RoleReviewer, account.RoleLead, account.RoleCustomer}, req.Role) {
		return errStatus(http.StatusBadRequest, "role: want reviewer, lead or customer, not %q", req.Role)
	}
	if acc.Role != req.Role {
		return errForbidden("sign as " + req.Role + " (you are " + acc.Role + ")")
	}
	if req.Role == account.RoleCustomer {
		if err := s.checkValidationDue(r.Context(), req.Migration, req.Run); err != nil {
			return err
		}
	}
	if len(req.Note) > 4000 {
		return errStatus(http.StatusBadRequest, "note: at most 4000 characters")
	}
	req.Actor = actorOf(acc)
	return s.svc.SignOff(r.Context(), req)
}

// apiRejects sends a run's rejects of one entity as csv or xlsx.
func (s *Server) apiRejects(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	file := r.PathValue("file")
	entity, ext, ok := strings.Cut(file, ".")
	if !ok || (ext != "csv" && ext != "xlsx") || !hasEntity(run, entity) {
		return errStatus(http.StatusNotFound, "rejects %q not found (want ENTITY.csv or ENTITY.xlsx)", file)
	}
	if err := s.sendRejects(w, r, m, run.Run, entity, ext); err != nil {
		return err
	}
	s.record(r.Context(), m, AuditRecord{Actor: acc.Email, Action: "download", Detail: fmt.Sprintf("run %d rejects/%s", run.Run, file)})
	return nil
}

func hasEntity(run *RunDetail, entity string) bool {
	if run.Protocol == nil {
		return false
	}
	for _, e := range run.Protocol.Entities {
		if e.Name == entity {
			return true
		}
	}
	return false
}

// apiRunFile sends protocol.json or report.html as a download.
func (s *Server) apiRunFile(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, run, err := s.runOf(r, acc)
	if err != nil {
		return err
	}
	name := r.PathValue("file")
	types := map[string]string{"protocol.json": "application/json", "report.html": "text/html; charset=utf-8"}
	ctype, ok := types[name]
	if !ok {
		return errStatus(http.StatusNotFound, "file %q not found (want protocol.json or report.html)", name)
	}
	f, err := s.svc.Artifact(r.Context(), m, run.Run, name)
	if err != nil {
		return err
	}
	defer f.Close()
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-run%d-%s"`, m, run.Run, name))
	if err := copyBody(w, f); err != nil {
		return nil // the status is sent; the client sees a short body
	}
	s.record(r.Context(), m, AuditRecord{Actor: acc.Email, Action: "download", Detail: fmt.Sprintf("run %d %s", run.Run, name)})
	return nil
}

func (s *Server) apiConfirm(w http.ResponseWriter, r *http.Request, acc *account.Account) error {
	m, err := s.migration(r, acc)
	if err != nil {
		return err
	}
	var req struct {
		Step string `json:"step"`
		Note string `json:"note"`
	}
	if err := decode(w, r, &req); err != nil {
		return err
	}
	if err := s.confirm(r, acc, ConfirmRequest{Migration: m, Step: req.Step, Note: req.Note}); err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]string{"step": req.Step, "by": acc.Email})
	return nil
}

// confirm checks the role and records the step.
func (s *Server) confirm(r *http.Request, acc *account.Account, req ConfirmRequest) error {
	if !may(acc.Role, "start") {
		return errForbidden("confirm runbook steps")
	}
	if strings.TrimSpace(req.Step) == "" {
		return errStatus(http.StatusBadRequest, "step: name the runbook step (e.g. freeze, preprod_refreshed)")
	}
	if len(req.Note) > 4000 {
		return errStatus(http.StatusBadRequest, "note: at most 4000 characters")
	}
	req.Actor = actorOf(acc)
	return s.svc.Confirm(r.Context(), req)
}
