package report

import (
	"cmp"
	"slices"

	"github.com/handover/handover/internal/protocol"
)

// Geometry of the inline SVG charts, in viewBox units.
const (
	stackWidth  = 1000.0 // stacked counts bar, stretched to the page width
	minSegment  = 4.0    // narrowest visible part of the stacked bar
	ruleLabelW  = 260.0  // rejects-by-rule chart: label column
	ruleBarW    = 380.0  // longest bar
	ruleRowH    = 22.0
	ruleChartW  = ruleLabelW + ruleBarW + 70
	ruleLabelMx = 38 // characters of a rule label before it is shortened
	fillBarW    = 80.0
)

// segment is one part of the stacked counts bar.
type segment struct {
	Label, Class string
	N            int64
	X, W         float64
}

// stackedCounts splits an entity's read rows into filtered, rejected and
// loaded (inserted, updated, unchanged — or valid when nothing was
// loaded, as in a check). Segments of zero rows are left out.
func stackedCounts(e *protocol.Entity) []segment {
	parts := []segment{{Label: "filtered", Class: "filtered", N: e.Filtered}, {Label: "rejected", Class: "rejected", N: e.Rejected}}
	if e.Inserted+e.Updated+e.Unchanged > 0 {
		parts = append(parts,
			segment{Label: "inserted", Class: "inserted", N: e.Inserted},
			segment{Label: "updated", Class: "updated", N: e.Updated},
			segment{Label: "unchanged", Class: "unchanged", N: e.Unchanged})
	} else {
		parts = append(parts, segment{Label: "valid", Class: "valid", N: e.Valid})
	}
	var total int64
	for _, p := range parts {
		total += p.N
	}
	if total == 0 {
		return nil
	}
	// Every non-empty part gets at least minSegment units so one filtered
	// row among thousands still shows; the rest is scaled to fit.
	out := parts[:0]
	sum := 0.0
	for _, p := range parts {
		if p.N == 0 {
			continue
		}
		p.W = max(stackWidth*float64(p.N)/float64(total), minSegment)
		sum += p.W
		out = append(out, p)
	}
	x := 0.0
	for i := range out {
		out[i].X, out[i].W = x, out[i].W*stackWidth/sum
		x += out[i].W
	}
	return out
}

// ruleBar is one bar of the rejects-by-rule chart.
type ruleBar struct {
	Rule, Label string
	Anchor      string // id of the rule's example row; "" without one
	N           int
	Y, W        float64
	TextY       float64
}

// ruleBars orders the rejects by rule, most frequent first, and scales
// them to the chart.
func ruleBars(byRule map[string]int) (bars []ruleBar, height float64) {
	for rule, n := range byRule {
		bars = append(bars, ruleBar{Rule: rule, Label: shorten(rule, ruleLabelMx), N: n})
	}
	slices.SortFunc(bars, func(a, b ruleBar) int {
		if a.N != b.N {
			return cmp.Compare(b.N, a.N)
		}
		return cmp.Compare(a.Rule, b.Rule)
	})
	if len(bars) == 0 {
		return nil, 0
	}
	top := float64(max(bars[0].N, 1))
	for i := range bars {
		b := &bars[i]
		b.Y = float64(i) * ruleRowH
		b.TextY = b.Y + ruleRowH*0.68
		b.W = max(ruleBarW*float64(b.N)/top, 1)
	}
	return bars, float64(len(bars)) * ruleRowH
}

// shorten cuts s to n characters, ending with "…" when cut.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
