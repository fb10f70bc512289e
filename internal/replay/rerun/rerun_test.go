package rerun

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/archive"
	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/replay"
)

// sample is the init sample project, received, with an artifact store.
func sample(t *testing.T) (*project.Project, *extract.Extraction, files.Store) {
	t.Helper()
	dir := t.TempDir()
	if err := project.Scaffold(dir); err != nil {
		t.Fatal(err)
	}
	p, err := project.Load(dir, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	x, err := extract.NewStore(filepath.Join(dir, ".handover", "extractions")).Receive(context.Background(),
		[]string{filepath.Join(dir, "sample")}, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	store, err := files.NewDirStore(filepath.Join(dir, ".handover"))
	if err != nil {
		t.Fatal(err)
	}
	return p, x, store
}

func check(t *testing.T, p *project.Project, x *extract.Extraction, store files.Store, artifacts string) *protocol.Protocol {
	t.Helper()
	proto, err := engine.Written(engine.Check(context.Background(), engine.SpecOf(p), engine.Options{Extraction: x,
		Run: 1, Artifacts: artifacts, Archive: store, Workers: 2}))
	if err != nil {
		t.Fatal(err)
	}
	return proto
}

func TestReplayIdenticalThenDifferent(t *testing.T) {
	p, x, store := sample(t)
	artifacts := filepath.Join(t.TempDir(), "run1")
	proto := check(t, p, x, store, artifacts)
	m, err := archive.Load(context.Background(), store, proto.Hashes.Archive)
	if err != nil {
		t.Fatal(err)
	}
	restored, err := archive.Materialize(context.Background(), store, m, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	req := replay.Request{Run: proto, Artifacts: artifacts, Project: restored, Extraction: x, Scratch: filepath.Join(t.TempDir(), "a"), Workers: 1}
	res, err := Replay(context.Background(), req)
	if err != nil || !res.Identical || len(res.Entities) != 2 {
		t.Fatalf("replay: %v %+v", err, res)
	}
	// Inputs that do not hash as the run recorded are refused.
	bad := *proto
	bad.Hashes.Recipes = "sha256:00"
	if _, err := Replay(context.Background(), replay.Request{Run: &bad, Artifacts: artifacts, Project: restored, Extraction: x,
		Scratch: filepath.Join(t.TempDir(), "c")}); err == nil || !strings.Contains(err.Error(), "the archived recipes hash") {
		t.Fatalf("mismatched archive: %v", err)
	}
	// A lookup that now maps the category of line 6 (K005, Lieferant):
	// the row is valid in the replay, a reject in the run.
	restored.Lookups["kategorien"]["Lieferant"] = "REGULAR"
	req.Scratch = filepath.Join(t.TempDir(), "b")
	res, err = Replay(context.Background(), req)
	if err != nil || res.Identical {
		t.Fatalf("replay after a change: %v %+v", err, res)
	}
	want := replay.Mismatch{Entity: "contacts", Output: "valid", Line: 6, Detail: "the replay accepts this row; the run did not"}
	if *res.First != want {
		t.Fatalf("first difference %+v, want %+v", *res.First, want)
	}
}

func TestReplayRejectsDifference(t *testing.T) {
	p, x, store := sample(t)
	artifacts := filepath.Join(t.TempDir(), "run1")
	proto := check(t, p, x, store, artifacts)
	// The run's rejects file says something else for its first reject.
	path := filepath.Join(artifacts, "rejects", "contacts.csv")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	proto.Outputs["contacts"].Rejects = "sha256:0"
	if err := os.WriteFile(path, []byte(string(data[:len(data)-10])+"tampered\r\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Replay(context.Background(), replay.Request{Run: proto, Artifacts: artifacts, Project: p, Extraction: x, Scratch: t.TempDir()})
	if err != nil || res.Identical || res.First.Output != "rejects" || res.First.Line == 0 {
		t.Fatalf("%v %+v %+v", err, res, res.First)
	}
}

func TestDiffRunsNamesChanges(t *testing.T) {
	a := &protocol.Protocol{Run: 1, Extraction: 1, Hashes: protocol.Hashes{Inputs: map[string]string{"k.csv": "sha256:1"}},
		Entities: []*protocol.Entity{{Name: "contacts", Read: 10, Valid: 6}}}
	b := &protocol.Protocol{Run: 2, Extraction: 2, Hashes: protocol.Hashes{Inputs: map[string]string{"k.csv": "sha256:2"}},
		Entities: []*protocol.Entity{{Name: "contacts", Read: 11, Valid: 7}}}
	ma := &archive.Manifest{Format: archive.Blob{Name: "format.yaml", SHA256: "f"}, Lookups: map[string]archive.Blob{"kat": {Name: "lookups/kat.csv", SHA256: "1"}}}
	mb := &archive.Manifest{Format: archive.Blob{Name: "format.yaml", SHA256: "f"}, Lookups: map[string]archive.Blob{"kat": {Name: "lookups/kat.csv", SHA256: "2"}}}
	d := replay.DiffRuns(a, b, ma, mb)
	if len(d.Changes) != 3 || d.Changes[0].What != "lookup" || d.Changes[1].What != "extraction" || d.Changes[2].Name != "k.csv" {
		t.Fatalf("changes %+v", d.Changes)
	}
	if e := d.Entities[0]; e.A.Read != 10 || e.B.Valid != 7 {
		t.Fatalf("counts %+v", e)
	}
}

// TestReplayRunsWithItsMemoryBudget: the replay's engine gets the
// request's memory budget, as the run it replays got its own.
func TestReplayRunsWithItsMemoryBudget(t *testing.T) {
	p, x, store := sample(t)
	artifacts := filepath.Join(t.TempDir(), "run1")
	proto := check(t, p, x, store, artifacts)
	var got []int64
	runCheck = func(ctx context.Context, s *engine.Spec, o engine.Options) (*engine.Outcome, error) {
		got = append(got, o.Memory)
		return engine.Check(ctx, s, o)
	}
	t.Cleanup(func() { runCheck = engine.Check })
	res, err := Replay(context.Background(), replay.Request{Run: proto, Artifacts: artifacts, Project: p, Extraction: x,
		Scratch: t.TempDir(), Memory: 48 << 20})
	if err != nil || !res.Identical {
		t.Fatalf("replay: %v %+v", err, res)
	}
	if len(got) != 1 || got[0] != 48<<20 {
		t.Errorf("the replay's engine ran with memory budgets %v, want [%d]", got, 48<<20)
	}
}
