package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/report"
)

// CompareRequest asks how extraction n's check compares with the check of
// the extraction before it.
type CompareRequest struct {
	Actor      Actor
	Project    string
	Extraction int
}

// Comparison is a delivery's check against the previous delivery's, per
// entity. Previous is 0 for the first extraction (everything is new).
type Comparison struct {
	Extraction  int
	Run         int // the check of Extraction compared
	Previous    int
	PreviousRun int // 0: the previous extraction has no finished check
	Entities    []EntityComparison
}

// EntityComparison counts, for one entity, the rows read by each check and
// the rejected records by their key: fixed (rejected before, not now),
// still failing (rejected in both) and newly failing.
type EntityComparison struct {
	Entity           string
	Rows             int64
	PreviousRows     int64
	Added            int64 // Rows − PreviousRows
	Rejected         int64
	PreviousRejected int64
	Fixed            int
	StillFailing     int
	NewFailing       int
}

// CompareDeliveries compares the rejects of the newest finished check of
// extraction n with those of extraction n−1, by record key (the source
// columns the entity's key field is computed from; the whole row when
// that cannot be told). Extraction n without a finished check is a
// *RefusedError.
func (s *Service) CompareDeliveries(ctx context.Context, req CompareRequest) (*Comparison, error) {
	if req.Extraction <= 0 {
		return nil, invalid("name the extraction to compare, not %d", req.Extraction)
	}
	ss, err := s.openReadOnly(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	if _, err := s.extraction(ctx, ss.p, req.Extraction); err != nil {
		return nil, err
	}
	checks, err := s.checksByExtraction(ctx, ss)
	if err != nil {
		return nil, err
	}
	cur := checks[req.Extraction]
	if !finishedCheck(cur) {
		return nil, &RefusedError{fmt.Sprintf("extraction %d has no finished check yet: compare it once its check has run", req.Extraction)}
	}
	cmp := &Comparison{Extraction: req.Extraction, Run: cur.Number}
	var prev *Run
	if req.Extraction > 1 {
		cmp.Previous = req.Extraction - 1
		if p := checks[cmp.Previous]; finishedCheck(p) {
			prev, cmp.PreviousRun = p, p.Number
		}
	}
	for _, e := range cur.Protocol.Entities {
		ec, err := s.compareEntity(ctx, ss.p, e, cur, prev)
		if err != nil {
			return nil, err
		}
		cmp.Entities = append(cmp.Entities, ec)
	}
	return cmp, nil
}

func finishedCheck(r *Run) bool {
	return r != nil && r.Protocol != nil && r.Status != StatusQueued && r.Status != protocol.StatusRunning && len(r.Protocol.Entities) > 0
}

func (s *Service) compareEntity(ctx context.Context, p *project.Project, e *protocol.Entity, cur, prev *Run) (EntityComparison, error) {
	ec := EntityComparison{Entity: e.Name, Rows: e.Read, Rejected: e.Rejected}
	now, err := s.rejectKeys(ctx, p, cur, e.Name)
	if err != nil {
		return ec, err
	}
	before := map[string]bool{}
	if prev != nil {
		if pe := entityIn(prev.Protocol, e.Name); pe != nil {
			ec.PreviousRows, ec.PreviousRejected = pe.Read, pe.Rejected
			if before, err = s.rejectKeys(ctx, p, prev, e.Name); err != nil {
				return ec, err
			}
		}
	}
	ec.Added = ec.Rows - ec.PreviousRows
	for k := range now {
		if before[k] {
			ec.StillFailing++
		} else {
			ec.NewFailing++
		}
	}
	for k := range before {
		if !now[k] {
			ec.Fixed++
		}
	}
	return ec, nil
}

func entityIn(p *protocol.Protocol, name string) *protocol.Entity {
	for _, e := range p.Entities {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// rejectKeys reads the keys of the records run r rejected for entity,
// from the artifact store.
func (s *Service) rejectKeys(ctx context.Context, p *project.Project, r *Run, entity string) (map[string]bool, error) {
	out := map[string]bool{}
	e := entityIn(r.Protocol, entity)
	if e == nil || e.Rejects == "" {
		return out, nil
	}
	f, err := s.openArtifact(ctx, p, r.Number, e.Rejects)
	var nf *NotFoundError
	if errors.As(err, &nf) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	columns, rows, err := report.ReadRejects(f)
	if err != nil {
		return nil, fmt.Errorf("read the rejects of run %d: %w", r.Number, err)
	}
	idx := keyColumns(p, entity, columns)
	for _, row := range rows {
		out[recordKey(row.Values, idx)] = true
	}
	return out, nil
}

// keyColumns are the positions of the source columns the entity's key
// field is computed from; nil when it cannot be told (the whole row is
// the key then).
func keyColumns(p *project.Project, entity string, columns []string) []int {
	r := p.Recipes[entity]
	var key string
	for _, e := range p.Format.Entities {
		if e.Name == entity {
			key = e.Key
		}
	}
	if r == nil || key == "" {
		return nil
	}
	var expr string
	for _, f := range r.Fields {
		if f.Field == key {
			expr = f.Expr
		}
	}
	names := recipe.ReferencedColumns(&recipe.Recipe{Fields: []recipe.FieldExpr{{Field: key, Expr: expr}}})
	if len(names) == 0 {
		return nil
	}
	var idx []int
	for _, n := range names {
		i := indexOf(columns, n)
		if i < 0 {
			return nil
		}
		idx = append(idx, i)
	}
	return idx
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

func recordKey(values []string, idx []int) string {
	if idx == nil {
		return strings.Join(values, "\x1f")
	}
	parts := make([]string, len(idx))
	for i, j := range idx {
		if j < len(values) {
			parts[i] = strings.TrimSpace(values[j])
		}
	}
	return strings.Join(parts, "\x1f")
}
