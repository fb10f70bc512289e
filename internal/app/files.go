package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/usecase"
)

type FilesSyncRequest = usecase.FilesSyncRequest

type FilesSyncResult = usecase.FilesSyncResult

type FilesVerifyRequest = usecase.FilesVerifyRequest

type FilesVerifyResult = usecase.FilesVerifyResult

// FilesSync uploads the extraction's new and changed files, as a run of
// kind sync.
func (s *Service) FilesSync(ctx context.Context, req FilesSyncRequest) (*FilesSyncResult, error) {
	return s.filesSync(ctx, req, 0)
}

// filesSync is FilesSync, or with queued > 0 Execute's claim of that
// queued run.
func (s *Service) filesSync(ctx context.Context, req FilesSyncRequest, queued int) (*FilesSyncResult, error) {
	ss, x, env, dst, err := s.openFiles(ctx, req.Project, req.Env, req.Extraction)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	out := &FilesSyncResult{}
	if req.Progress == nil {
		req.Progress = new(Progress) // published to the state store while the run executes
	}
	j := &job{kind: protocol.KindSync, env: env, extraction: x.Number, dryRun: req.DryRun, actor: req.Actor, queued: queued, progress: req.Progress}
	j.execute = func(ctx context.Context, run int, artifacts string) (*execution, error) {
		proto := s.filesProtocol(ss.p, run, protocol.KindSync, env.Name, x.Number, req.DryRun, artifacts)
		plan, err := files.PlanSync(ctx, x.Files, x.Dir, dst, files.SelectOptions{Prefix: prefix(req.Prefix)})
		if plan != nil && x.Dir == "" {
			plan.SrcOpen = x.OpenFile // the extraction is in the artifact store
		}
		var res *files.Result
		if err == nil && !req.DryRun {
			res, err = files.Apply(ctx, plan, dst, files.ApplyOptions{Parallel: req.Parallel, Delete: req.Delete, Progress: req.Progress.Files()})
		}
		out.SyncPlan = plan
		proto.Files = filesCounts(dst.String(), plan, res)
		return &execution{proto: s.filesOutcome(proto, err)}, err
	}
	res, err := s.lifecycle(ctx, ss, j)
	if res != nil {
		out.RunResult = *res
	}
	if res == nil {
		return nil, err
	}
	return out, err
}

// FilesVerify compares the environment's file store with the extraction's
// manifest, as a run of kind verify whose gate fails when a file is
// missing or differs.
func (s *Service) FilesVerify(ctx context.Context, req FilesVerifyRequest) (*FilesVerifyResult, error) {
	ss, x, env, dst, err := s.openFiles(ctx, req.Project, req.Env, req.Extraction)
	if err != nil {
		return nil, err
	}
	defer ss.close()
	out := &FilesVerifyResult{Extraction: x.Number}
	j := &job{kind: protocol.KindVerify, env: env, extraction: x.Number, actor: req.Actor}
	j.execute = func(ctx context.Context, run int, artifacts string) (*execution, error) {
		proto := s.filesProtocol(ss.p, run, protocol.KindVerify, env.Name, x.Number, false, artifacts)
		proto.Files = &protocol.Files{Store: dst.String()}
		v, err := files.Verify(ctx, x.Files, dst, files.VerifyOptions{Prefix: prefix(req.Prefix), Deep: req.Deep})
		if err != nil {
			err = fmt.Errorf("verify %s: %w", env.Name, err)
		} else {
			out.Verify = v
			proto.Files.Unchanged, proto.Files.Extra, proto.Files.Millis = fc(v.Matching), protocol.FileCount{Files: len(v.Extra)}, v.Millis
			proto.Gate = verifyGate(v)
		}
		return &execution{proto: s.filesOutcome(proto, err)}, err
	}
	res, err := s.lifecycle(ctx, ss, j)
	if res == nil {
		return nil, err
	}
	out.RunResult = *res
	return out, err
}

// verifyGate is a verify's gate: no file missing, none differing.
func verifyGate(v *files.VerifyResult) protocol.Gate {
	g := protocol.Gate{Passed: v.OK(), Checks: []protocol.Check{
		{Name: "files_missing", Value: float64(len(v.Missing)), Limit: 0, Passed: len(v.Missing) == 0},
		{Name: "files_differing", Value: float64(len(v.Differing)), Limit: 0, Passed: len(v.Differing) == 0},
	}}
	return g
}

// openFiles opens what a files use case needs: the project, the state
// store, the extraction and the environment's file store.
func (s *Service) openFiles(ctx context.Context, dir, name string, n int) (*session, *extract.Extraction, *project.Environment, files.Store, error) {
	if name == "" {
		return nil, nil, nil, nil, invalid("files needs --env ENV")
	}
	p, err := s.Project(dir)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	env, err := environment(p, name)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if env.Files == "" {
		return nil, nil, nil, nil, invalid("environment %s has no files: store in %s", name, filepath.Base(p.ConfigPath))
	}
	x, err := s.extraction(ctx, p, n)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	creds, err := files.CredentialsFrom(s.cfg.Getenv, "", "")
	if err != nil {
		return nil, nil, nil, nil, &InvalidError{Err: err}
	}
	dst, err := files.Open(ctx, env.Files, creds)
	if err != nil {
		return nil, nil, nil, nil, fmt.Errorf("open file store of %s: %w", name, err)
	}
	if ix, ok := dst.(files.IndexUser); ok {
		ix.UseIndex(filesIndex(p, env.Files))
	}
	st, err := s.openState(ctx, p)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return &session{p: p, st: st}, x, env, dst, nil
}

// filesIndex is where the hash index of a file store lives: in the
// project's own state, never in the customer's destination; one file per
// store URL (hashed, so that no credential of the URL is written).
func filesIndex(p *project.Project, storeURL string) string {
	sum := sha256.Sum256([]byte(storeURL))
	return filepath.Join(handoverDir(p), "files-index", hex.EncodeToString(sum[:8])+".json")
}

func prefix(p string) string {
	if p == "" {
		return files.DefaultPrefix
	}
	return p
}

func (s *Service) filesProtocol(p *project.Project, run int, kind, env string, x int, dry bool, artifacts string) *protocol.Protocol {
	return &protocol.Protocol{Run: run, Kind: kind, Env: env, Extraction: x,
		DryRun: dry, Started: s.now().UTC(), Version: s.cfg.Version, Entities: []*protocol.Entity{},
		Hashes:    protocol.Hashes{Recipes: p.Hashes.Recipes, Format: p.Hashes.Format, Inputs: map[string]string{}},
		Gate:      protocol.Gate{Passed: true, Checks: []protocol.Check{}},
		Artifacts: artifacts}
}

// filesOutcome sets a files run's final status.
func (s *Service) filesOutcome(proto *protocol.Protocol, err error) *protocol.Protocol {
	proto.Finished = s.now().UTC()
	switch {
	case errors.Is(err, context.Canceled):
		proto.Status, proto.Error = protocol.StatusInterrupted, err.Error()
	case err != nil:
		proto.Status, proto.Error = protocol.StatusFailed, err.Error()
	case !proto.Gate.Passed:
		proto.Status = protocol.StatusGateFailed
	default:
		proto.Status = protocol.StatusSucceeded
	}
	return proto
}

func filesCounts(store string, plan *files.SyncPlan, res *files.Result) *protocol.Files {
	f := &protocol.Files{Store: store}
	if plan != nil {
		s := plan.Summary
		f.New, f.Changed, f.Unchanged, f.Extra = fc(s.New), fc(s.Changed), fc(s.Unchanged), fc(s.Extra)
		f.Millis = plan.Millis
	}
	if res != nil {
		f.Uploaded, f.Deleted = fc(res.Uploaded), fc(res.Deleted)
		for _, e := range res.Failed {
			f.Failed = append(f.Failed, e.Path+": "+e.Error)
		}
		f.Millis += res.Millis
	}
	return f
}

func fc(c files.Count) protocol.FileCount { return protocol.FileCount{Files: c.Files, Bytes: c.Bytes} }
