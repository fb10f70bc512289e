package local

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/server"
)

// startPoll is how often Start looks for the run its use case began.
const startPoll = 20 * time.Millisecond

// actor is the app's view of the server's account.
func actor(a server.Actor) app.Actor {
	return app.Actor{Name: a.Email, Authenticated: true, Account: strconv.FormatInt(a.ID, 10)}
}

// Start queues a check, import or files sync (River jobs, or this
// Service's workers) or executes a fix-up on a worker slot, and returns
// the run's number once the state store has it; a refusal comes back at
// once.
func (s *Service) Start(ctx context.Context, req server.StartRequest) (int, error) {
	sv, err := s.served(req.Migration)
	if err != nil {
		return 0, err
	}
	p, err := sv.Project()
	if err != nil {
		return 0, mapErr(err)
	}
	if req.Env != "" {
		if _, ok := p.Environments[req.Env]; !ok {
			return 0, fmt.Errorf("%w: no environment %q in %s (have: %s)", server.ErrInvalid, req.Env, req.Migration, strings.Join(p.EnvOrder, ", "))
		}
	}
	n, err := runQueue{s, req.Migration, sv}.QueueRun(ctx, app.QueueRequest{Actor: actor(req.Actor), Project: p.Dir, Kind: req.Kind, Env: req.Env, Extraction: req.Extraction})
	return n, mapErr(err)
}

// runQueue queues the runs of one served project for the application
// (app.Queuer: a delivery's check): on the job queue when the server has
// one, else on this Service's workers. Its errors are the application's.
type runQueue struct {
	s  *Service
	m  string // the migration
	sv *app.Served
}

func (q runQueue) QueueRun(ctx context.Context, req app.QueueRequest) (int, error) {
	s := q.s
	if s.cfg.Enqueue != nil && req.Kind != protocol.KindFixup {
		return s.cfg.Enqueue(ctx, req)
	}
	if err := s.acquire(ctx); err != nil {
		return 0, err
	}
	runs, err := q.sv.Runs(ctx, "")
	if err != nil {
		<-s.slots
		return 0, err
	}
	before := 0
	if len(runs) > 0 {
		before = runs[len(runs)-1].Number
	}
	progress := new(app.Progress)
	done := make(chan error, 1)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer func() { <-s.slots }()
		done <- s.execute(req, progress)
	}()
	n, err := s.awaitRun(ctx, q.sv, req, before, done)
	if err == nil {
		s.track(q.m, n, progress, done)
	}
	return n, err
}

// execute runs the use case; its outcome is in the state store.
func (s *Service) execute(req app.QueueRequest, progress *app.Progress) error {
	var err error
	switch req.Kind {
	case protocol.KindCheck:
		_, err = s.cfg.App.Check(s.base, app.CheckRequest{Actor: req.Actor, Project: req.Project, Extraction: req.Extraction, Progress: progress})
	case protocol.KindFixup:
		_, err = s.cfg.App.Fixup(s.base, app.FixupRequest{Actor: req.Actor, Project: req.Project, Env: req.Env})
	case protocol.KindSync:
		_, err = s.cfg.App.FilesSync(s.base, app.FilesSyncRequest{Actor: req.Actor, Project: req.Project, Env: req.Env, Extraction: req.Extraction, Progress: progress})
	default:
		_, err = s.cfg.App.Import(s.base, app.ImportRequest{Actor: req.Actor, Project: req.Project, Env: req.Env, Extraction: req.Extraction, Progress: progress})
	}
	return err
}

// track keeps the run's progress for its event stream until it ends.
func (s *Service) track(m string, n int, progress *app.Progress, done chan error) {
	key := runKey{m, n}
	s.mu.Lock()
	s.running[key] = progress
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		<-done
		s.mu.Lock()
		delete(s.running, key)
		s.mu.Unlock()
	}()
}

// acquire waits for a worker slot, counting the wait as queue depth.
func (s *Service) acquire(ctx context.Context) error {
	s.mu.Lock()
	s.waiting++
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.waiting--
		s.mu.Unlock()
	}()
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// awaitRun waits for the run the use case began: the first newer run of
// its kind, environment and extraction (when the request names one)
// started by this account — concurrent uploads of one account each take
// the check of their own extraction.
func (s *Service) awaitRun(ctx context.Context, sv *app.Served, req app.QueueRequest, before int, done chan error) (int, error) {
	tick := time.NewTicker(startPoll)
	defer tick.Stop()
	finished := false
	var ended error // what the use case returned, once it has
	for {
		runs, err := sv.Runs(ctx, req.Env)
		if err != nil {
			return 0, err
		}
		for _, r := range runs {
			if r.Number > before && r.Kind == req.Kind && r.Env == req.Env && r.StartedBy == req.Actor.String() &&
				(req.Extraction == 0 || r.Extraction == req.Extraction) {
				if finished {
					done <- nil // for track
				}
				return r.Number, nil
			}
		}
		if finished {
			if app.IsInvalid(ended) { // refused before it began: no run
				return 0, ended
			}
			return 0, &app.RefusedError{Reason: fmt.Sprintf("the %s did not start", req.Kind)}
		}
		select {
		case ended = <-done:
			// One more look, also when the use case says the project is
			// invalid: a run that began, recorded itself and failed on
			// it between two polls is that run, not a refusal.
			finished = true
		case <-tick.C:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}

// mapErr turns the app's typed errors into the server's.
func mapErr(err error) error {
	var ref *app.Refusal
	var four *app.RefusedError
	var nf *app.NotFoundError
	var inv *app.InvalidError
	switch {
	case errors.As(err, &ref):
		msg, _, _ := strings.Cut(err.Error(), "\nnext: ")
		return fmt.Errorf("%w: %s", server.ErrRefused, strings.Join(strings.Fields(msg), " "))
	case errors.As(err, &four):
		return fmt.Errorf("%w: %s", server.ErrRefused, four.Reason)
	case errors.As(err, &nf):
		return fmt.Errorf("%w: %v", server.ErrNotFound, err)
	case errors.As(err, &inv), app.IsInvalid(err): // the latter: a configuration problem found preparing the run
		return fmt.Errorf("%w: %v", server.ErrInvalid, err)
	}
	return err
}

// SignOff records the account's sign-off or refusal (app.Countersign
// applies the four-eyes rules).
func (s *Service) SignOff(ctx context.Context, req server.SignOffRequest) error {
	sv, err := s.served(req.Migration)
	if err != nil {
		return err
	}
	_, err = sv.Countersign(ctx, app.CountersignRequest{Actor: actor(req.Actor), Run: req.Run, Role: req.Role, Note: req.Note,
		Refused: req.Refuse, ProtocolHash: req.ProtocolHash})
	return mapErr(err)
}

// Confirm records a runbook step (freeze: the source freeze) for the
// account.
func (s *Service) Confirm(ctx context.Context, req server.ConfirmRequest) error {
	sv, err := s.served(req.Migration)
	if err != nil {
		return err
	}
	r := app.ConfirmRequest{Actor: actor(req.Actor), Project: sv.Dir(), Step: req.Step, By: req.Actor.Email, Note: req.Note}
	if req.Step == "freeze" {
		_, err = s.cfg.App.Freeze(ctx, r)
	} else {
		_, err = s.cfg.App.Confirm(ctx, r)
	}
	return mapErr(err)
}

// Record appends an audit entry to migration m's chain, or the server's.
func (s *Service) Record(ctx context.Context, m string, e server.AuditRecord) error {
	if m == "" {
		if s.cfg.ServerAudit == nil {
			return nil
		}
		return s.cfg.ServerAudit(ctx, e.Actor, e.Action, e.Detail)
	}
	sv, err := s.served(m)
	if err != nil {
		return err
	}
	return sv.Record(ctx, app.Actor{Name: e.Actor, Authenticated: true}, e.Action, e.Detail)
}
