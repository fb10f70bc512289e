package app

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// A stored file changed since it was received fails the run naming the
// file, and an import of it commits nothing.
func TestChangedInputFailsTheRun(t *testing.T) {
	f := newFixture(t, nil)
	ctx := context.Background()
	n := f.receive(-1)
	path := filepath.Join(f.dir, ".handover", "extractions", "1", "kontakte.csv")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), "K001", "K999", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, run := range []func() (*RunResult, error){
		func() (*RunResult, error) { return f.svc.Check(ctx, CheckRequest{Actor: tester, Project: f.dir}) },
		func() (*RunResult, error) {
			return f.svc.Import(ctx, ImportRequest{Actor: tester, Project: f.dir, Env: "dev"})
		},
	} {
		res, err := run()
		if err == nil || !strings.Contains(err.Error(), "extraction 1 no longer matches its manifest: kontakte.csv: content changed") {
			t.Fatalf("run on a changed delivery: %v", err)
		}
		if p := res.Protocol; p.Status != protocol.StatusFailed || p.Extraction != n || p.Transaction == protocol.TransactionCommitted {
			t.Errorf("protocol: status %s transaction %q", p.Status, p.Transaction)
		}
	}
	if got := sqliteDump(t, filepath.Join(f.dir, ".handover", "dev.db"), "sqlite_master"); strings.Contains(got, "contacts") {
		t.Errorf("the failed import left tables behind:\n%s", got)
	}
}

// A stored file replaced by a symbolic link — even to identical content —
// is refused.
func TestSymlinkedInputFailsTheRun(t *testing.T) {
	f := newFixture(t, nil)
	f.receive(-1)
	dir := filepath.Join(f.dir, ".handover", "extractions", "1")
	path := filepath.Join(dir, "kontakte.csv")
	copyPath := filepath.Join(t.TempDir(), "kontakte.csv")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(copyPath, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(copyPath, path); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Check(context.Background(), CheckRequest{Actor: tester, Project: f.dir})
	if err == nil || !strings.Contains(err.Error(), "kontakte.csv: is a symbolic link") {
		t.Fatalf("check with a symlinked input: %v", err)
	}
}
