package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/redact"
	"github.com/handover/handover/internal/usecase"
)

// artifactStore is the store of the project's extractions, its runs'
// artifacts (protocol.json, report.html, rejects/) and the archive of
// every run's inputs: artifacts: in handover.yaml (an S3 bucket a team's
// machines share), else the project's .handover/. S3 credentials come from
// the environment or the shared credentials file, as for a files: store;
// they are never shown.
func (s *Service) artifactStore(ctx context.Context, p *project.Project) (files.Store, error) {
	if p.Artifacts == "" {
		st, err := files.NewDirStore(handoverDir(p))
		if err != nil {
			return nil, fmt.Errorf("open artifact store: %w", err)
		}
		return st, nil
	}
	var creds files.Credentials
	if !strings.HasPrefix(strings.ToLower(p.Artifacts), "dir://") {
		c, err := files.CredentialsFrom(s.cfg.Getenv, "", "")
		if err != nil {
			return nil, &InvalidError{Err: fmt.Errorf("artifacts: %w", err)}
		}
		creds = c
	}
	st, err := files.Open(ctx, p.Artifacts, creds)
	if err != nil {
		return nil, fmt.Errorf("open artifact store: %w", err)
	}
	return st, nil
}

// localRoot is the directory of a local store, "" for a remote one.
func localRoot(st files.Store) string {
	if d, ok := st.(*files.DirStore); ok {
		return d.Root()
	}
	return ""
}

// extractions is the project's store of extractions.
func (s *Service) extractions(ctx context.Context, p *project.Project) (*extract.Store, error) {
	st, err := s.artifactStore(ctx, p)
	if err != nil {
		return nil, err
	}
	if root := localRoot(st); root != "" {
		return extract.NewStore(filepath.Join(root, "extractions")), nil
	}
	return extract.NewObjectStore(st), nil
}

// extraction returns extraction n, or the newest for 0.
func (s *Service) extraction(ctx context.Context, p *project.Project, n int) (*extract.Extraction, error) {
	xs, err := s.extractions(ctx, p)
	if err != nil {
		return nil, err
	}
	var x *extract.Extraction
	if n == 0 {
		x, err = xs.Latest()
	} else {
		x, err = xs.Get(n)
	}
	if err != nil {
		return nil, &NotFoundError{Err: err}
	}
	return x, nil
}

// previousExtraction returns the extraction before n, or nil.
func (s *Service) previousExtraction(ctx context.Context, p *project.Project, n int) *extract.Extraction {
	if n <= 1 {
		return nil
	}
	x, err := s.extraction(ctx, p, n-1)
	if err != nil {
		return nil
	}
	return x
}

// runPrefix is the folder of run n's artifacts in the artifact store.
func runPrefix(n int) string { return "runs/" + strconv.Itoa(n) }

// runArtifacts is where a run's artifacts go: dir is the local directory
// the run writes them into; name is what its protocol calls them. With a
// remote store dir is a temporary directory that publish uploads to
// runs/N and removes.
type runArtifacts struct {
	dir, name string
	store     files.Store // nil: dir is the store's own directory
	prefix    string
}

// runArtifacts opens the place of run n's artifacts.
func (s *Service) runArtifacts(ctx context.Context, p *project.Project, n int) (*runArtifacts, error) {
	st, err := s.artifactStore(ctx, p)
	if err != nil {
		return nil, err
	}
	if root := localRoot(st); root != "" {
		dir := filepath.Join(root, filepath.FromSlash(runPrefix(n)))
		return &runArtifacts{dir: dir, name: dir}, nil
	}
	tmp, err := os.MkdirTemp("", "handover-run-"+strconv.Itoa(n)+"-")
	if err != nil {
		return nil, fmt.Errorf("run %d: artifacts: %w", n, err)
	}
	return &runArtifacts{dir: tmp, name: artifactsName(p, n), store: st, prefix: runPrefix(n)}, nil
}

// artifactsName is what run n's protocol calls the place of its
// artifacts: their directory in a local store, else their folder in the
// store's URL without its parameters (s3://BUCKET/PREFIX/runs/N).
func artifactsName(p *project.Project, n int) string {
	switch {
	case p.Artifacts == "":
		return filepath.Join(handoverDir(p), filepath.FromSlash(runPrefix(n)))
	case strings.HasPrefix(strings.ToLower(p.Artifacts), "dir://"):
		return filepath.Join(p.Artifacts[len("dir://"):], filepath.FromSlash(runPrefix(n)))
	}
	base, _, _ := strings.Cut(redact.StoreURL(p.Artifacts), "?")
	return strings.TrimSuffix(base, "/") + "/" + runPrefix(n)
}

// publish uploads the artifacts written into a temporary directory to
// the store, protocol.json last (it is the record, and names the rest),
// and removes the directory. A local store has nothing to do.
func (a *runArtifacts) publish(ctx context.Context) error {
	if a.store == nil || a.dir == "" {
		return nil
	}
	var names []string
	err := filepath.WalkDir(a.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if !d.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		rel, err := filepath.Rel(a.dir, p)
		if err != nil {
			return err
		}
		if rel = filepath.ToSlash(rel); rel != "protocol.json" {
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store the run's artifacts: %w", err)
	}
	if _, err := os.Stat(filepath.Join(a.dir, "protocol.json")); err == nil {
		names = append(names, "protocol.json")
	}
	for _, name := range names {
		if err := a.upload(ctx, name); err != nil {
			return fmt.Errorf("store the run's artifacts in %s: %w", a.store, err)
		}
	}
	return nil
}

// upload puts one file, hashed first so that the store checks it.
func (a *runArtifacts) upload(ctx context.Context, name string) error {
	local := filepath.Join(a.dir, filepath.FromSlash(name))
	f, err := os.Open(local)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	size, err := io.Copy(h, f)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return a.store.Put(ctx, a.prefix+"/"+name, f, size, hex.EncodeToString(h.Sum(nil)))
}

// discard removes the temporary directory of a remote store's artifacts
// (published or not).
func (a *runArtifacts) discard() {
	if a.store != nil && a.dir != "" {
		os.RemoveAll(a.dir)
	}
}

// storeProtocol writes the protocol of a run settled after the fact (see
// reconcile) where its artifacts are; best effort.
func (s *Service) storeProtocol(ctx context.Context, p *project.Project, proto *protocol.Protocol) {
	arts, err := s.runArtifacts(ctx, p, proto.Run)
	if err != nil {
		return
	}
	defer arts.discard()
	if err := writeProtocol(&execution{proto: proto}, arts.dir, nil); err == nil {
		_ = arts.publish(ctx)
	}
}

type ArtifactRequest = usecase.ArtifactRequest

// OpenArtifact opens a file of a run's artifacts from the artifact store,
// as a stream; a missing run or file is a *NotFoundError.
func (s *Service) OpenArtifact(ctx context.Context, req ArtifactRequest) (io.ReadCloser, error) {
	clean := path.Clean(req.Name)
	if req.Name == "" || clean != req.Name || files.CheckPath(clean) != nil {
		return nil, invalid("%q is not a file of a run's artifacts", req.Name)
	}
	p, err := s.Project(req.Project)
	if err != nil {
		return nil, err
	}
	return s.openArtifact(ctx, p, req.Run, req.Name)
}

func (s *Service) openArtifact(ctx context.Context, p *project.Project, run int, name string) (io.ReadCloser, error) {
	st, err := s.artifactStore(ctx, p)
	if err != nil {
		return nil, err
	}
	rc, err := st.Open(ctx, runPrefix(run)+"/"+name)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, &NotFoundError{Err: fmt.Errorf("run %d has no %s in the artifact store", run, name)}
	}
	if err != nil {
		return nil, fmt.Errorf("read run %d's %s: %w", run, name, err)
	}
	return rc, nil
}

// localRun returns a local directory holding run n's artifacts: the run's
// own directory in a local store, else a copy of them fetched into scratch
// (for replay and explain, which read them at random).
func (s *Service) localRun(ctx context.Context, p *project.Project, n int, scratch string) (string, error) {
	st, err := s.artifactStore(ctx, p)
	if err != nil {
		return "", err
	}
	if root := localRoot(st); root != "" {
		return filepath.Join(root, filepath.FromSlash(runPrefix(n))), nil
	}
	objs, err := st.List(ctx, runPrefix(n)+"/")
	if err != nil {
		return "", fmt.Errorf("read run %d's artifacts: %w", n, err)
	}
	dir := filepath.Join(scratch, "recorded")
	for _, o := range objs {
		if err := fetch(ctx, st, o.Path, filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(o.Path, runPrefix(n)+"/")))); err != nil {
			return "", fmt.Errorf("read run %d's artifacts: %w", n, err)
		}
	}
	return dir, nil
}

func fetch(ctx context.Context, st files.Store, key, local string) error {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := os.MkdirAll(filepath.Dir(local), 0o755); err != nil {
		return err
	}
	f, err := os.Create(local)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// OpenArtifact opens a file of run n's artifacts from the project's
// artifact store (see Service.OpenArtifact).
func (sv *Served) OpenArtifact(ctx context.Context, n int, name string) (io.ReadCloser, error) {
	p, err := sv.Project()
	if err != nil {
		return nil, err
	}
	return sv.svc.openArtifact(ctx, p, n, name)
}
