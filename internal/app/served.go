package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

// Served is a project held open by a long-running front end (the web
// server): its state store stays open between requests and its
// configuration is reloaded when handover.yaml changes. It reads without
// side effects (no webhook, no reaping on a read) and records what the
// server's users do. Safe for concurrent use.
type Served struct {
	svc *Service
	dir string

	mu  sync.Mutex
	p   *project.Project
	mod time.Time
	st  Store

	heads      sync.Mutex
	head       string    // the runs' head (Store.RunsHead) …
	headAt     time.Time // … as read then (wall clock)
	refreshing bool      // a read of it is under way
}

// runsHeadEvery is how old a runs' head Version may use: a dashboard
// listing many migrations asks each for its version on every request.
const runsHeadEvery = time.Second

// runsHead is the store's runs head. The first read waits for it; after
// that an older one than runsHeadEvery is answered as it is and read again
// in the background, so no request pays for the reads of every migration.
func (sv *Served) runsHead(ctx context.Context) (string, error) {
	sv.heads.Lock()
	defer sv.heads.Unlock()
	if sv.headAt.IsZero() {
		h, err := sv.st.RunsHead(ctx)
		if err != nil {
			return "", err
		}
		sv.head, sv.headAt = h, time.Now()
		return h, nil
	}
	if time.Since(sv.headAt) >= runsHeadEvery && !sv.refreshing {
		sv.refreshing = true
		go func() {
			h, err := sv.st.RunsHead(context.WithoutCancel(ctx))
			sv.heads.Lock()
			defer sv.heads.Unlock()
			if err == nil {
				sv.head = h
			}
			sv.headAt, sv.refreshing = time.Now(), false
		}()
	}
	return sv.head, nil
}

// Serve loads the project in dir and opens its state store.
func (s *Service) Serve(ctx context.Context, dir string) (*Served, error) {
	sv := &Served{svc: s, dir: dir}
	p, err := sv.Project()
	if err != nil {
		return nil, err
	}
	if sv.st, err = s.openState(ctx, p); err != nil {
		return nil, err
	}
	return sv, nil
}

// Dir is the project's directory.
func (sv *Served) Dir() string { return sv.dir }

// Project returns the project, reloaded when handover.yaml changed.
func (sv *Served) Project() (*project.Project, error) {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	fi, err := os.Stat(filepath.Join(sv.dir, project.ConfigFile))
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	if sv.p != nil && fi.ModTime().Equal(sv.mod) {
		return sv.p, nil
	}
	p, err := sv.svc.Project(sv.dir)
	if err != nil {
		return nil, err
	}
	sv.p, sv.mod = p, fi.ModTime()
	return p, nil
}

// Close closes the state store.
func (sv *Served) Close() error { return sv.st.Close() }

// Runs lists the runs into env ("" = all), oldest first.
func (sv *Served) Runs(ctx context.Context, env string) ([]*Run, error) {
	return sv.st.Runs(ctx, env)
}

// Run returns run n with its sign-offs (those backed by the audit chain).
func (sv *Served) Run(ctx context.Context, n int) (*Run, []Approval, error) {
	r, err := sv.st.Run(ctx, n)
	if errors.Is(err, state.ErrNotFound) {
		return nil, nil, &NotFoundError{Err: err}
	}
	if err != nil {
		return nil, nil, err
	}
	as, err := sv.st.Approvals(ctx, n)
	if err != nil {
		return nil, nil, err
	}
	return r, as, nil
}

// Runbook is the runbook dated from today; nil without a cutover date. Unlike
// Runbook it sends no webhook.
func (sv *Served) Runbook(ctx context.Context) (*Runbook, error) {
	p, err := sv.Project()
	if err != nil {
		return nil, err
	}
	if p.Cutover == "" {
		return nil, nil
	}
	return sv.svc.buildRunbook(ctx, sv.st, p)
}

// Extractions lists the stored deliveries, oldest first.
func (sv *Served) Extractions(ctx context.Context) ([]*extract.Extraction, error) {
	p, err := sv.Project()
	if err != nil {
		return nil, err
	}
	xs, err := sv.svc.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	return xs.List()
}

// Audit returns the audit chain and its verification.
func (sv *Served) Audit(ctx context.Context) (*AuditResult, error) {
	entries, err := sv.st.AuditLog(ctx)
	if err != nil {
		return nil, err
	}
	v, err := sv.st.VerifyAudit(ctx)
	if err != nil {
		return nil, err
	}
	return &AuditResult{Entries: entries, Verified: true, FirstBad: v.FirstBad(), Problems: v.Problems}, nil
}

// Record appends an entry to the audit chain: what a user did that is no
// run or sign-off of its own (a download, a run start, a login).
func (sv *Served) Record(ctx context.Context, actor Actor, action, detail string) error {
	return sv.st.Audit(ctx, actor.String(), action, detail, sv.svc.now())
}

// ProtocolHash is what a sign-off is bound to: sha256 of the run's
// protocol as JSON.
func ProtocolHash(p *protocol.Protocol) string {
	if p == nil {
		return ""
	}
	data, _ := json.Marshal(p)
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

type CountersignRequest = usecase.CountersignRequest

// Countersign records an authenticated sign-off under the four-eyes rules:
// whoever started a run cannot sign it as reviewer; an account signs one
// role of a run; a run replaced by a later import into its environment
// can no longer be signed (its sign-offs are void).
func (sv *Served) Countersign(ctx context.Context, req CountersignRequest) (*SignOffResult, error) {
	if !req.Actor.Authenticated {
		return nil, invalid("a countersignature needs an authenticated account")
	}
	if !project.ValidRole(req.Role) {
		return nil, invalid("role must be reviewer, customer or lead, not %q", req.Role)
	}
	if req.Refused && strings.TrimSpace(req.Note) == "" {
		return nil, invalid("a refusal needs a note: why the run is refused")
	}
	r, as, err := sv.Run(ctx, req.Run)
	if err != nil {
		return nil, err
	}
	if err := sv.fourEyes(ctx, r, as, req); err != nil {
		return nil, err
	}
	ap := Approval{Run: r.Number, Role: req.Role, By: req.Actor.String(), Authenticated: true, Note: req.Note, At: sv.svc.now(), Refused: req.Refused}
	if err := sv.st.AddApproval(ctx, ap); err != nil {
		return nil, err
	}
	res := &SignOffResult{Run: r, Approval: ap}
	return res, nil
}

// RefusedError is a four-eyes rule saying no (HTTP 409).
type RefusedError struct{ Reason string }

func (e *RefusedError) Error() string { return e.Reason }

func (sv *Served) fourEyes(ctx context.Context, r *Run, as []Approval, req CountersignRequest) error {
	who := req.Actor.String()
	switch {
	case r.Protocol == nil || r.Status == protocol.StatusRunning || r.Status == state.StatusQueued:
		return &RefusedError{fmt.Sprintf("run %d has not finished: sign it once it has", r.Number)}
	case req.ProtocolHash != "" && req.ProtocolHash != ProtocolHash(r.Protocol):
		return &RefusedError{fmt.Sprintf("run %d's protocol is not the one you reviewed (its hash differs): reload it", r.Number)}
	case req.Role == project.RoleReviewer && strings.EqualFold(r.StartedBy, who):
		return &RefusedError{fmt.Sprintf("you started run %d, so another account must sign it as reviewer (four eyes)", r.Number)}
	}
	if r.Kind == protocol.KindImport {
		if last, err := sv.lastImport(ctx, r.Env); err != nil {
			return err
		} else if last > r.Number {
			return &RefusedError{fmt.Sprintf("run %d was replaced by run %d into %s, which voids its sign-offs: sign run %d", r.Number, last, r.Env, last)}
		}
	}
	for _, a := range as {
		if !a.Authenticated || !strings.EqualFold(a.By, who) {
			continue
		}
		if a.Role != req.Role && !a.Refused {
			return &RefusedError{fmt.Sprintf("you already signed run %d as %s: each required role is signed by a different account", r.Number, a.Role)}
		}
		if a.Role == req.Role && a.Refused == req.Refused {
			return &RefusedError{fmt.Sprintf("you already did this on run %d", r.Number)}
		}
	}
	return nil
}

// lastImport is the number of the newest import into env, 0 when none.
func (sv *Served) lastImport(ctx context.Context, env string) (int, error) {
	runs, err := sv.st.Runs(ctx, env)
	if err != nil {
		return 0, err
	}
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Kind == protocol.KindImport {
			return runs[i].Number, nil
		}
	}
	return 0, nil
}

// Void reports whether run r's sign-offs are void: a later import into
// its environment replaced it.
func (sv *Served) Void(ctx context.Context, r *Run) (bool, error) {
	if r.Kind != protocol.KindImport {
		return false, nil
	}
	last, err := sv.lastImport(ctx, r.Env)
	return last > r.Number, err
}

// Version identifies the state a front end may cache views of: it changes
// with every audited record (run outcome, sign-off, receive, config change,
// server action), when a run begins, is queued or ends — also one begun on
// the command line or by a worker elsewhere, which is audited only when it
// ends: seen within runsHeadEvery — and when handover.yaml changes.
func (sv *Served) Version(ctx context.Context) (string, error) {
	head, err := sv.st.AuditHead(ctx)
	if err != nil {
		return "", err
	}
	runs, err := sv.runsHead(ctx)
	if err != nil {
		return "", err
	}
	sv.mu.Lock()
	mod := sv.mod
	sv.mu.Unlock()
	return fmt.Sprintf("%d:%s:%s:%d", head.Seq, head.Hash, runs, mod.UnixNano()), nil
}
