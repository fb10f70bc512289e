package app

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/source/dbsource"
	"github.com/handover/handover/internal/state"
	"github.com/handover/handover/internal/usecase"
)

type RunsRequest = usecase.RunsRequest

// Runs lists runs, ascending by number.
func (s *Service) Runs(ctx context.Context, req RunsRequest) ([]*Run, error) {
	ss, err := s.openReadOnly(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	runs, err := ss.st.Runs(ctx, req.Env)
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	return runs, nil
}

type ShowRequest = usecase.ShowRequest

type ShowResult = usecase.ShowResult

// Show returns run n with its sign-offs; a missing run is a NotFoundError.
func (s *Service) Show(ctx context.Context, req ShowRequest) (*ShowResult, error) {
	if req.Run <= 0 {
		return nil, invalid("RUN must be a run number, not %d", req.Run)
	}
	ss, err := s.openReadOnly(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	r, err := ss.st.Run(ctx, req.Run)
	if err != nil {
		return nil, &NotFoundError{Err: err}
	}
	as, err := ss.st.Approvals(ctx, req.Run)
	if err != nil {
		return nil, err
	}
	return &ShowResult{Run: r, Approvals: as, ProjectDir: ss.p.Dir}, nil
}

type AuditRequest = usecase.AuditRequest

type AuditResult = usecase.AuditResult

// AuditProblem is one finding of the verification: a changed or removed
// entry, a removed tail, a forged sign-off row, or keyed entries without
// the key.
type AuditProblem = state.Problem

// Audit reads the audit log and, asked to, verifies its chain. A damaged
// chain is a result, not an error.
func (s *Service) Audit(ctx context.Context, req AuditRequest) (*AuditResult, error) {
	ss, err := s.openReadOnly(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	entries, err := ss.st.AuditLog(ctx)
	if err != nil {
		return nil, err
	}
	res := &AuditResult{Entries: entries, Verified: req.Verify}
	if req.Verify {
		res.Anchors = s.anchors(ctx, ss.p)
		anchors := make([]state.Anchor, 0, len(res.Anchors))
		for _, a := range res.Anchors {
			anchors = append(anchors, a)
		}
		v, err := ss.st.VerifyAudit(ctx, anchors...)
		if err != nil {
			return nil, err
		}
		res.FirstBad, res.Problems = v.FirstBad(), v.Problems
	}
	return res, nil
}

type ReceiveRequest = usecase.ReceiveRequest

// Receive stores a delivery as the next extraction and audits it.
func (s *Service) Receive(ctx context.Context, req ReceiveRequest) (*extract.Extraction, error) {
	if len(req.Paths) == 0 && !req.Databases {
		return nil, invalid("receive needs at least one file, directory or archive (or --databases)")
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	d := extract.Delivery{Paths: req.Paths, Label: req.Label, Now: s.now()}
	if req.Databases {
		var order []string
		for _, e := range ss.p.Format.Entities {
			order = append(order, e.Name)
		}
		sources := dbsource.Sources(ss.p.Recipes, order)
		if len(sources) == 0 {
			return nil, invalid("receive --databases: no recipe source names a database (source: {database: ${LEGACY_DB_URL}, query: select …})")
		}
		gens, sess, err := dbsource.Snapshots(sources, s.cfg.Getenv, ss.p.Dir, s.now)
		if err != nil {
			return nil, invalid("receive --databases: %v", err)
		}
		defer sess.Close()
		d.Generated = gens
	}
	xs, err := s.extractions(ctx, ss.p)
	if err != nil {
		return nil, err
	}
	x, err := xs.WithLimits(req.Limits).ReceiveDelivery(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("receive: %w", err)
	}
	if err := ss.st.Audit(context.WithoutCancel(ctx), req.Actor.String(), ActionReceive, receiveDetail(x), x.Received); err != nil {
		return x, fmt.Errorf("receive: extraction %d stored, but not audited: %w", x.Number, err)
	}
	return x, nil
}

// receiveDetail is the audit log's detail of a receive of x.
func receiveDetail(x *extract.Extraction) string {
	var size int64
	for _, f := range x.Files {
		size += f.Size
	}
	detail := fmt.Sprintf("extraction %d: %d files, %d bytes", x.Number, len(x.Files), size)
	if x.Label != "" {
		detail += fmt.Sprintf(", label %q", x.Label)
	}
	return detail
}
