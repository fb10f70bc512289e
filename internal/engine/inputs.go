package engine

import (
	"context"

	"github.com/handover/handover/internal/archive"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipetest"
)

// recordInputs runs the recipes' fixture tests into the protocol and, with
// an artifact store, archives the run's inputs. A test file that cannot be
// read or run is recorded as the tests' error: it fails the gate when
// tests are required, and is a warning otherwise.
func recordInputs(ctx context.Context, o *execution, p *protocol.Protocol) error {
	files, err := recipetest.Load(o.spec.project(), "")
	if err == nil && len(files) > 0 {
		var rep *recipetest.Report
		if rep, err = recipetest.Run(o.spec.project(), files); rep != nil {
			p.Tests = &protocol.Tests{Hash: rep.Hash, Cases: rep.Cases, Passed: rep.Passed, Failed: rep.Failed}
		}
	}
	if err != nil {
		if p.Tests == nil {
			p.Tests = &protocol.Tests{Hash: recipetest.Hash(files)}
		}
		p.Tests.Error = err.Error()
		p.Warnings = append(p.Warnings, "fixture tests: "+err.Error())
	}
	if o.Archive == nil {
		return nil
	}
	h, err := archive.Save(ctx, o.Archive, o.spec.project(), files)
	if err != nil {
		return err
	}
	p.Hashes.Archive = h
	return nil
}

// addTestsCheck adds the gate's tests check when handover.yaml says
// gate: {tests: required}: the fixture tests exist, ran and all passed.
func addTestsCheck(pr *Spec, p *protocol.Protocol) {
	if !pr.Gate.TestsRequired {
		return
	}
	failed, cases := 0.0, 0
	passed := false
	if t := p.Tests; t != nil {
		failed, cases = float64(t.Failed), t.Cases
		passed = t.Error == "" && t.Failed == 0 && t.Cases > 0
	}
	if cases == 0 {
		failed = 1 // no tests at all counts as a failure when they are required
	}
	p.Gate.Checks = append(p.Gate.Checks, protocol.Check{Name: "tests", Value: failed, Limit: 0, Passed: passed})
	p.Gate.Passed = p.Gate.Passed && passed
}
