package local

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/server"
)

// Migrations lists every project with its badges and next step.
func (s *Service) Migrations(ctx context.Context) ([]server.Migration, error) {
	s.mu.Lock()
	names := slices.Clone(s.order)
	s.mu.Unlock()
	out := make([]server.Migration, 0, len(names))
	for _, name := range names {
		m, _, err := s.summary(ctx, name)
		if err != nil {
			m = &server.Migration{Name: name, Error: err.Error()}
		}
		out = append(out, *m)
	}
	return out, nil
}

// cached is a migration's summary at one version of its state.
type cached struct {
	version string
	day     string
	m       *server.Migration
	steps   []server.Step
}

// summary is a migration's line and its runbook steps, reused while the
// migration's state version (its audit head, its runs' head and
// handover.yaml) and the day stay the same: a run begun outside the server
// (the command line, a worker) shows as running at once.
func (s *Service) summary(ctx context.Context, name string) (*server.Migration, []server.Step, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, nil, err
	}
	if _, err := sv.Project(); err != nil { // reloads a changed handover.yaml
		return nil, nil, err
	}
	version, err := sv.Version(ctx)
	if err != nil {
		return nil, nil, err
	}
	now := s.cfg.Now()
	day := now.Format(time.DateOnly)
	s.mu.Lock()
	c := s.cache[name]
	s.mu.Unlock()
	if c != nil && c.version == version && c.day == day {
		m := *c.m
		return &m, c.steps, nil
	}
	m, steps, err := s.buildSummary(ctx, sv)
	if err != nil {
		return nil, nil, err
	}
	s.mu.Lock()
	s.cache[name] = &cached{version: version, day: day, m: m, steps: steps}
	s.mu.Unlock()
	mc := *m
	return &mc, steps, nil
}

func (s *Service) buildSummary(ctx context.Context, sv *app.Served) (*server.Migration, []server.Step, error) {
	p, err := sv.Project()
	if err != nil {
		return nil, nil, err
	}
	runs, err := sv.Runs(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	m := &server.Migration{Name: p.Migration, Customer: p.Customer, Cutover: p.Cutover}
	for _, env := range p.EnvOrder {
		b := server.LaneBadge{Env: env, Status: "none"}
		if r := lastImport(runs, env); r != nil {
			b.Run, b.Status = r.Number, r.Status
		}
		m.Lanes = append(m.Lanes, b)
	}
	steps, err := s.steps(ctx, sv)
	if err != nil {
		return nil, nil, err
	}
	if cut, err := time.Parse(time.DateOnly, p.Cutover); err == nil {
		d := app.DaysTo(s.cfg.Now(), cut)
		m.DaysToJ = &d
	}
	for i := range steps {
		st := &steps[i]
		if st.Overdue {
			m.Overdue++
		}
		if m.Next == nil && (st.Status == "due" || st.Status == "overdue") {
			m.Next = st
		}
	}
	return m, steps, nil
}

func (s *Service) steps(ctx context.Context, sv *app.Served) ([]server.Step, error) {
	pl, err := sv.Runbook(ctx)
	if err != nil || pl == nil {
		return []server.Step{}, err
	}
	// Paths on the server are relative to the project: a customer sees
	// no server directory.
	var trim func(string) string
	if p, err := sv.Project(); err == nil {
		trim = strings.NewReplacer(p.Dir+string(filepath.Separator), "", p.Dir, ".").Replace
	}
	out := make([]server.Step, 0, len(pl.Steps))
	for _, st := range pl.Steps {
		ev := make([]string, len(st.Evidence))
		for i, e := range st.Evidence {
			ev[i] = trim(e)
		}
		out = append(out, server.Step{ID: st.ID, Title: st.Title, Owner: st.Owner, Due: st.Due, Relative: app.Relative(st.Offset),
			Status: string(st.Status), Overdue: st.Status == "overdue", Evidence: ev, Note: trim(st.Note)})
	}
	return out, nil
}

// lastImport is the newest import into env, nil when none.
func lastImport(runs []*app.Run, env string) *app.Run {
	for i := len(runs) - 1; i >= 0; i-- {
		if r := runs[i]; r.Kind == protocol.KindImport && r.Env == env {
			return r
		}
	}
	return nil
}

// Overview is the migration screen's data.
func (s *Service) Overview(ctx context.Context, name string) (*server.Overview, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	p, err := sv.Project()
	if err != nil {
		return nil, err
	}
	m, steps, err := s.summary(ctx, name)
	if err != nil {
		return nil, err
	}
	runs, err := sv.Runs(ctx, "")
	if err != nil {
		return nil, err
	}
	ov := &server.Overview{Migration: *m, Plan: steps}
	for _, env := range p.EnvOrder {
		lane, err := s.lane(ctx, sv, p, runs, env)
		if err != nil {
			return nil, err
		}
		ov.Lanes = append(ov.Lanes, *lane)
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Kind == protocol.KindCheck {
			sum := summaryOf(runs[i])
			ov.LatestCheck = &sum
			break
		}
	}
	xs, err := sv.Extractions(ctx)
	if err != nil {
		return nil, fmt.Errorf("read extractions: %w", err)
	}
	ov.Extractions = []server.Extraction{}
	for i := len(xs) - 1; i >= 0; i-- {
		x := xs[i]
		e := server.Extraction{Number: x.Number, Label: x.Label, Received: x.Received}
		for _, f := range x.Files {
			e.Files = append(e.Files, server.ManifestFile{Name: f.Path, Size: f.Size, SHA256: f.SHA256})
		}
		ov.Extractions = append(ov.Extractions, e)
	}
	return ov, nil
}

// signersOf lists the roles whose sign-off the environments requiring env
// need on env's run.
func signersOf(p *project.Project, env string) []string {
	roles := []string{}
	for _, name := range p.EnvOrder {
		e := p.Environments[name]
		if slices.Contains(e.Requires, env) {
			for _, r := range e.Approvals {
				if !slices.Contains(roles, r) {
					roles = append(roles, r)
				}
			}
		}
	}
	return roles
}

// needsAuthenticated reports whether an environment requiring env needs
// role's sign-off from an account.
func needsAuthenticated(p *project.Project, env, role string) bool {
	for _, name := range p.EnvOrder {
		e := p.Environments[name]
		if slices.Contains(e.Requires, env) && e.NeedsAuthenticated(role) {
			return true
		}
	}
	return false
}

func (s *Service) lane(ctx context.Context, sv *app.Served, p *project.Project, runs []*app.Run, env string) (*server.Lane, error) {
	l := &server.Lane{Env: env, Requires: p.Environments[env].Requires, Needed: signersOf(p, env), Signed: []server.SignOff{}, Missing: []string{}}
	if r := lastImport(runs, env); r != nil {
		sum := summaryOf(r)
		l.Last = &sum
		if r.Protocol != nil {
			for _, c := range r.Protocol.Gate.Checks {
				if !c.Passed {
					l.FailedGate = checkText(c)
					break
				}
			}
		}
		_, as, err := sv.Run(ctx, r.Number)
		if err != nil {
			return nil, err
		}
		l.Signed = signOffs(as, false)
	}
	for _, role := range l.Needed {
		authenticated := needsAuthenticated(p, env, role)
		if !slices.ContainsFunc(l.Signed, func(so server.SignOff) bool {
			return so.Role == role && !so.Refused && (so.Authenticated || !authenticated)
		}) {
			l.Missing = append(l.Missing, role)
		}
	}
	return l, nil
}

func checkText(c protocol.Check) string {
	t := c.Name
	if c.Entity != "" {
		t += " (" + c.Entity + ")"
	}
	return fmt.Sprintf("%s: %g over the limit %g", t, c.Value, c.Limit)
}

func signOffs(as []app.Approval, void bool) []server.SignOff {
	out := make([]server.SignOff, 0, len(as))
	for _, a := range as {
		out = append(out, server.SignOff{Role: a.Role, By: a.By, Note: a.Note, At: a.At, Refused: a.Refused, Authenticated: a.Authenticated, Void: void})
	}
	return out
}

func summaryOf(r *app.Run) server.RunSummary {
	return server.RunSummary{Run: r.Number, Kind: r.Kind, Env: r.Env, Extraction: r.Extraction, Status: r.Status, Started: r.Started, StartedBy: r.StartedBy}
}

// Runs lists the migration's runs.
func (s *Service) Runs(ctx context.Context, name string) ([]server.RunSummary, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	runs, err := sv.Runs(ctx, "")
	if err != nil {
		return nil, err
	}
	out := make([]server.RunSummary, 0, len(runs))
	for _, r := range runs {
		out = append(out, summaryOf(r))
	}
	return out, nil
}

// Run returns one run with its sign-offs and, while it runs, its progress:
// this process's counters, or those the executing process (the command
// line, a worker elsewhere) writes to the state store.
func (s *Service) Run(ctx context.Context, name string, n int) (*server.RunDetail, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	r, as, err := sv.Run(ctx, n)
	if err != nil {
		return nil, mapErr(err)
	}
	void, err := sv.Void(ctx, r)
	if err != nil {
		return nil, err
	}
	d := &server.RunDetail{RunSummary: summaryOf(r), Protocol: r.Protocol, ProtocolHash: app.ProtocolHash(r.Protocol), SignOffs: signOffs(as, void)}
	if r.Protocol != nil {
		return d, nil
	}
	s.mu.Lock()
	pr := s.running[runKey{name, n}]
	s.mu.Unlock()
	snap, ok := pr.Snapshot(), pr != nil
	if !ok { // executed by another process: as it last wrote it to the state store
		if snap, ok, err = sv.Progress(ctx, n); err != nil {
			return nil, err
		}
	}
	if ok && snap.Phase != "" {
		d.Progress = []server.EntityProgress{{Entity: snap.Phase, Read: snap.Rows}}
	}
	return d, nil
}

// Audit reads the migration's audit chain and verifies it.
func (s *Service) Audit(ctx context.Context, name string) (*server.AuditLog, error) {
	sv, err := s.served(name)
	if err != nil {
		return nil, err
	}
	res, err := sv.Audit(ctx)
	if err != nil {
		return nil, err
	}
	log := &server.AuditLog{Entries: make([]server.AuditEntry, 0, len(res.Entries)), Intact: res.FirstBad == 0 && len(res.Problems) == 0, BrokenAt: res.FirstBad}
	for _, e := range res.Entries {
		log.Entries = append(log.Entries, server.AuditEntry{Seq: e.Seq, At: e.At, Actor: e.Actor, Action: e.Action, Detail: e.Detail, Hash: e.Hash})
	}
	return log, nil
}
