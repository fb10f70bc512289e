package engine

import (
	"context"
	"testing"

	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

func intp(i int) *int { return &i }

func TestGateUnresolvedRefs(t *testing.T) {
	counts := func(byRule map[string]int) *protocol.Protocol {
		return &protocol.Protocol{Entities: []*protocol.Entity{
			{Name: "structures", Read: 10, Valid: 10, RejectsByRule: map[string]int{"name/required": 2}},
			{Name: "contacts", Read: 10, Rejected: 3, Valid: 7, RejectsByRule: byRule},
		}}
	}
	tests := []struct {
		name   string
		limit  *int
		byRule map[string]int
		checks int // max_unresolved_refs checks expected
		value  float64
		passed bool
	}{
		{"off by default", nil, map[string]int{"structure/ref": 2}, 0, 0, true},
		{"none unresolved", intp(0), map[string]int{"email/email": 3}, 1, 0, true},
		{"counts every ref field, not other rules", intp(1),
			map[string]int{"structure/ref": 2, "owner/ref": 1, "email/email": 5, "ref_code/required": 4}, 1, 3, false},
		{"within the limit", intp(3), map[string]int{"structure/ref": 3}, 1, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, nil)
			f.project.Gate = project.Gate{MaxUnresolvedRefs: tt.limit}
			g := evaluateGate(SpecOf(f.project), counts(tt.byRule), nil)
			var got []protocol.Check
			for _, c := range g.Checks {
				if c.Name == "max_unresolved_refs" {
					got = append(got, c)
				}
			}
			if len(got) != tt.checks {
				t.Fatalf("checks %+v, want %d max_unresolved_refs check (structures has no ref field)", g.Checks, tt.checks)
			}
			if g.Passed != tt.passed {
				t.Errorf("gate passed %v, want %v", g.Passed, tt.passed)
			}
			if tt.checks == 1 {
				c := got[0]
				if c.Entity != "contacts" || c.Value != tt.value || c.Limit != float64(*tt.limit) || c.Passed != tt.passed {
					t.Errorf("check %+v, want contacts value %v limit %d passed %v", c, tt.value, *tt.limit, tt.passed)
				}
			}
		})
	}
}

// The fixture delivery has two rows whose structure does not resolve (one
// missing, one rejected): with max_unresolved_refs 1 the run fails the gate.
func TestRunFailsGateOnUnresolvedRefs(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	f.project.Gate = project.Gate{MaxUnresolvedRefs: intp(1)}
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != protocol.StatusGateFailed {
		t.Fatalf("status %s, want gate_failed; checks %+v", p.Status, p.Gate.Checks)
	}
	for _, c := range p.Gate.Checks {
		if c.Name == "max_unresolved_refs" && (c.Entity != "contacts" || c.Value != 2 || c.Passed) {
			t.Errorf("check %+v, want contacts with 2 unresolved", c)
		}
	}
}
