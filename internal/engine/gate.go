package engine

import (
	"fmt"
	"math"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/protocol"
)

// evaluateGate runs the quality gate's checks of handover.yaml against the
// run's counts.
func evaluateGate(pr *Spec, p *protocol.Protocol, prev map[string]int64) protocol.Gate {
	g := protocol.Gate{Passed: true, Checks: []protocol.Check{}}
	add := func(name, entity string, value, limit float64, passed bool) {
		g.Checks = append(g.Checks, protocol.Check{Name: name, Entity: entity,
			Value: round(value), Limit: limit, Passed: passed})
		g.Passed = g.Passed && passed
	}
	cfg := pr.Gate
	var read, rejected int64
	for _, e := range p.Entities {
		read += e.Read
		rejected += e.Rejected
		if cfg.MaxRejectRate != nil {
			r := rate(e.Rejected, e.Read)
			add("max_reject_rate", e.Name, r, *cfg.MaxRejectRate, r <= *cfg.MaxRejectRate)
		}
		if min, ok := cfg.MinRows[e.Name]; ok {
			add("min_rows", e.Name, float64(e.Valid), float64(min), e.Valid >= int64(min))
		}
		if cfg.MaxUnresolvedRefs != nil && hasRefs(pr, e.Name) {
			n := unresolvedRefs(e)
			add("max_unresolved_refs", e.Name, float64(n), float64(*cfg.MaxUnresolvedRefs), n <= *cfg.MaxUnresolvedRefs)
		}
		if n, ok := prev[e.Name]; ok && cfg.MaxCountChange != nil {
			ch := countChange(n, e.Read)
			add("max_count_change", e.Name, ch, *cfg.MaxCountChange, ch <= *cfg.MaxCountChange)
		}
	}
	if cfg.MaxRejectRateOverall != nil {
		r := rate(rejected, read)
		add("max_reject_rate_overall", "", r, *cfg.MaxRejectRateOverall, r <= *cfg.MaxRejectRateOverall)
	}
	return g
}

// unresolvedRefs counts an entity's rejects for references that do not
// resolve: the rejects_by_rule entries of rule ref ("structure/ref").
func unresolvedRefs(e *protocol.Entity) int {
	n := 0
	for key, count := range e.RejectsByRule {
		if key == "ref" || strings.HasSuffix(key, "/ref") {
			n += count
		}
	}
	return n
}

// hasRefs reports whether entity has a ref field; true when the format is
// unknown.
func hasRefs(pr *Spec, entity string) bool {
	if pr.Format == nil {
		return true
	}
	e := pr.Format.Entity(entity)
	if e == nil {
		return true
	}
	for _, f := range e.Fields {
		if f.Type == format.Ref {
			return true
		}
	}
	return false
}

// countWarnings warns when an entity's row count moved noticeably against
// the previous extraction: the sign of a broken extraction.
func countWarnings(pr *Spec, p *protocol.Protocol, prev map[string]int64) []string {
	limit := 0.1
	if pr.Gate.MaxCountChange != nil {
		limit = *pr.Gate.MaxCountChange
	}
	var out []string
	for _, e := range p.Entities {
		n, ok := prev[e.Name]
		if !ok {
			continue
		}
		if ch := countChange(n, e.Read); ch > limit {
			out = append(out, fmt.Sprintf("%s: %d rows read, %d in the previous extraction (%+.1f%%)",
				e.Name, e.Read, n, 100*float64(e.Read-n)/math.Max(1, float64(n))))
		}
	}
	return out
}

func rate(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return float64(n) / float64(of)
}

func countChange(before, now int64) float64 {
	if before == 0 {
		if now == 0 {
			return 0
		}
		return 1
	}
	return math.Abs(float64(now-before)) / float64(before)
}

func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }
