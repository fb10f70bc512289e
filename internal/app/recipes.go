package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/handover/handover/internal/archive"
	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/explain"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/recipetest"
	"github.com/handover/handover/internal/replay"
	"github.com/handover/handover/internal/replay/rerun"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/usecase"
)

type TestRequest = usecase.TestRequest

// Test runs the fixture tests (recipes/<entity>.test.yaml). A broken test
// file, or none at all, is an InvalidError; failing cases are in the
// report, not an error.
func (s *Service) Test(_ context.Context, req TestRequest) (*recipetest.Report, error) {
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	fs, err := recipetest.Load(p, req.Entity)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	if len(fs) == 0 {
		which := "recipes/<entity>.test.yaml"
		if req.Entity != "" {
			which = req.Entity + ".test.yaml"
		}
		return nil, invalid("no fixture tests: add %s beside the recipes (see handover test --help)", which)
	}
	rep, err := recipetest.Run(p, fs)
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	return rep, nil
}

// pastRun is a run with its archived inputs restored into a scratch
// project directory; close removes it.
type pastRun struct {
	run      *Run
	manifest *archive.Manifest
	restored *project.Project // the project as the run had it
	x        *extract.Extraction
	scratch  string
}

func (r *pastRun) close() { os.RemoveAll(r.scratch) }

// runManifest reads run n and the manifest of its archived inputs.
func (s *Service) runManifest(ctx context.Context, ss *session, n int) (*Run, *archive.Manifest, files.Store, error) {
	if n <= 0 {
		return nil, nil, nil, invalid("RUN must be a run number, not %d", n)
	}
	r, err := ss.st.Run(ctx, n)
	if err != nil {
		return nil, nil, nil, &NotFoundError{Err: err}
	}
	if r.Protocol == nil || r.Protocol.Hashes.Archive == "" {
		return r, nil, nil, invalid("run %d has no archived inputs (it predates archiving, or failed before reading them)", n)
	}
	store, err := s.artifactStore(ctx, ss.p)
	if err != nil {
		return nil, nil, nil, err
	}
	m, err := archive.Load(ctx, store, r.Protocol.Hashes.Archive)
	if err != nil {
		return nil, nil, nil, err
	}
	return r, m, store, nil
}

// restore reads run n and restores its archived inputs.
func (s *Service) restore(ctx context.Context, ss *session, n int) (*pastRun, error) {
	r, m, store, err := s.runManifest(ctx, ss, n)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "handover-run-")
	if err != nil {
		return nil, fmt.Errorf("restore run %d: %w", n, err)
	}
	pr := &pastRun{run: r, manifest: m, scratch: scratch}
	dir := filepath.Join(scratch, "project")
	if err := os.Mkdir(dir, 0o755); err != nil {
		pr.close()
		return nil, fmt.Errorf("restore run %d: %w", n, err)
	}
	if pr.restored, err = archive.Materialize(ctx, store, m, dir); err != nil {
		pr.close()
		return nil, fmt.Errorf("restore run %d: %w", n, err)
	}
	if pr.x, err = s.extraction(ctx, ss.p, r.Extraction); err != nil {
		pr.close()
		return nil, err
	}
	return pr, nil
}

type ExplainRequest = usecase.ExplainRequest

// Explain re-runs one row of a past run against its archived inputs and
// says how it became what it is (see package explain).
func (s *Service) Explain(ctx context.Context, req ExplainRequest) (*explain.Explanation, error) {
	if req.Entity == "" || req.Line <= 0 {
		return nil, invalid("explain needs an entity and a line (the source line, as in the rejects file)")
	}
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	pr, err := s.restore(ctx, ss, req.Run)
	if err != nil {
		return nil, err
	}
	defer pr.close()
	recorded := ""
	if pr.run.Artifacts != "" {
		dir, err := s.localRun(ctx, ss.p, pr.run.Number, pr.scratch)
		if err != nil {
			return nil, err
		}
		path := filepath.Join(dir, filepath.FromSlash(report.RejectsPath(req.Entity)))
		if recorded, err = explain.Recorded(path, req.Line); err != nil {
			return nil, err
		}
	}
	x, err := explain.Explain(ctx, explain.Request{Project: pr.restored, Extraction: pr.x,
		Entity: req.Entity, Line: req.Line, File: req.File, Field: req.Field, Recorded: recorded, Open: engine.OpenSource})
	if err != nil {
		return nil, &InvalidError{Err: err}
	}
	return x, nil
}

type ReplayRequest = usecase.ReplayRequest

// Replay re-executes a past check or import as a dry run without a target,
// from its archived inputs and stored extraction, and compares the output
// hashes (see package replay).
func (s *Service) Replay(ctx context.Context, req ReplayRequest) (*replay.Result, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	pr, err := s.restore(ctx, ss, req.Run)
	if err != nil {
		return nil, err
	}
	defer pr.close()
	if pr.run.Artifacts == "" {
		return nil, invalid("run %d has no artifacts to compare with", req.Run)
	}
	recorded, err := s.localRun(ctx, ss.p, pr.run.Number, pr.scratch)
	if err != nil {
		return nil, err
	}
	return rerun.Replay(ctx, replay.Request{Run: pr.run.Protocol, Artifacts: recorded, Project: pr.restored,
		Extraction: pr.x, Scratch: filepath.Join(pr.scratch, "artifacts"), Workers: req.Workers, Version: s.cfg.Version, Memory: s.cfg.Memory})
}

type DiffRunsRequest = usecase.DiffRunsRequest

// DiffRuns lists what changed between two runs' inputs and their counts.
// A run without an archive is compared by its protocol's hashes.
func (s *Service) DiffRuns(ctx context.Context, req DiffRunsRequest) (*replay.RunDiff, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	ra, ma, _, errA := s.runManifest(ctx, ss, req.A)
	rb, mb, _, errB := s.runManifest(ctx, ss, req.B)
	for _, r := range []struct {
		run *Run
		err error
	}{{ra, errA}, {rb, errB}} {
		if r.run == nil {
			return nil, r.err
		}
		if r.run.Protocol == nil {
			return nil, invalid("run %d has no protocol to compare", r.run.Number)
		}
	}
	return replay.DiffRuns(ra.Protocol, rb.Protocol, ma, mb), nil
}

type RunRecipesRequest = usecase.RunRecipesRequest

type RunRecipes = usecase.RunRecipes

type RecipeFile = usecase.RecipeFile

// RunRecipes reads the recipes run n archived.
func (s *Service) RunRecipes(ctx context.Context, req RunRecipesRequest) (*RunRecipes, error) {
	ss, err := s.open(ctx, req.Project)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	r, m, store, err := s.runManifest(ctx, ss, req.Run)
	if err != nil {
		return nil, err
	}
	out := &RunRecipes{Run: r.Number, Archive: r.Protocol.Hashes.Archive, Recipes: []RecipeFile{}}
	for _, e := range m.Entities() {
		b := m.Recipes[e]
		data, err := archive.Read(ctx, store, b.SHA256)
		if err != nil {
			return nil, err
		}
		out.Recipes = append(out.Recipes, RecipeFile{Entity: e, Name: b.Name, SHA256: b.SHA256, Content: string(data)})
	}
	return out, nil
}
