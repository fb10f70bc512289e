package runbook

import (
	"context"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// TestOverdueWhateverBlocksIt: a step past its due date is overdue even
// when it waits for another: with J two days away, extraction 1 (due
// twelve days ago) is flagged.
func TestOverdueWhateverBlocksIt(t *testing.T) {
	p, err := Build(context.Background(), &fake{}, Config{Cutover: cutover, Today: cutover.AddDate(0, 0, -2), Envs: envs, Fixups: true})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Step(StepExtraction1)
	if s.Status != Overdue || !strings.Contains(s.Note, "waiting for kickoff") {
		t.Errorf("extraction_1: %s (%s), want overdue, waiting for kickoff", s.Status, s.Note)
	}
	if s := p.Step(StepSignoff); s.Status != Blocked {
		t.Errorf("lead_signoff, due J: %s, want blocked", s.Status)
	}
	var overdue []string
	for _, s := range p.Overdue() {
		overdue = append(overdue, s.ID)
	}
	if !strings.Contains(strings.Join(overdue, ","), StepExtraction1) {
		t.Errorf("Overdue() = %v, want extraction_1 among them", overdue)
	}
}

// TestDoneNeedsPrerequisites: a prod import while the customer has not
// validated preprod is not done; prod_import cites the latest prod import.
func TestDoneNeedsPrerequisites(t *testing.T) {
	ok := protocol.StatusSucceeded
	f := &fake{}
	addRun(f, protocol.KindImport, "prod", ok, on(12, 10, 9), false) // run 1
	addRun(f, protocol.KindImport, "prod", ok, on(12, 15, 9), false) // run 2
	xs := []Extraction{{Number: 1, Received: on(11, 28, 15)}}
	p, err := Build(context.Background(), f, Config{Cutover: cutover, Today: on(12, 15, 12), Envs: envs, Extractions: xs, Fixups: true})
	if err != nil {
		t.Fatal(err)
	}
	s := p.Step(StepProdImport)
	if s.Status == Done || !strings.Contains(s.Note, "waiting for customer_validation") {
		t.Errorf("prod_import: %s (%s), want not done, waiting for customer_validation", s.Status, s.Note)
	}
	if strings.Join(s.Evidence, " ") != "run 2" {
		t.Errorf("prod_import evidence %v, want the latest prod import, run 2", s.Evidence)
	}
}

// TestStepsFollowTheProject: without fix-up rules there is no fixup step;
// without a files store in prod no file transfer steps.
func TestStepsFollowTheProject(t *testing.T) {
	p, err := Build(context.Background(), &fake{}, Config{Cutover: cutover, Today: on(11, 20, 9), Envs: envs, Files: false, Fixups: false})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{StepFixup, StepFileInitial, StepFileDelta} {
		if p.Step(gone) != nil {
			t.Errorf("step %s is there", gone)
		}
	}
	if s := p.Step(StepSignoff); s == nil || strings.Join(s.After, ",") != StepProdImport {
		t.Errorf("lead_signoff after %v, want prod_import only", s.After)
	}
}
