package cli

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An artifact that cannot be written fails the run with the OS error, and
// the summary names no report that was never written; read-only commands
// after it change nothing in the state store (issue 16 item 5).
func TestArtifactWriteFailureFailsTheRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	// report.html of run 1 cannot be written: a directory is in its place
	// (as root, permissions would not stop the write; a full disk would).
	if err := os.MkdirAll(filepath.Join(dir, ".handover", "runs", "1", "report.html"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, nil, "-C", dir, "check")
	if code != 1 || !strings.Contains(errOut, "report.html") || !strings.Contains(out, "· failed") {
		t.Errorf("check with an unwritable report: exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
	}
	if strings.Contains(out, "report: ") {
		t.Errorf("the summary names a report that was never written:\n%s", out)
	}
	proto, err := os.ReadFile(filepath.Join(dir, ".handover", "runs", "1", "protocol.json"))
	if err != nil || !strings.Contains(string(proto), `"status": "failed"`) {
		t.Errorf("protocol.json of the failed run: %v\n%s", err, proto)
	}

	stateDB := filepath.Join(dir, ".handover", "state.db")
	before := fileDigest(t, stateDB)
	for _, args := range [][]string{{"runs"}, {"show", "1"}, {"runs", "--json"}, {"audit"}} {
		if code, out, errOut := runCLI(t, nil, append([]string{"-C", dir}, args...)...); code != 0 {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	if after := fileDigest(t, stateDB); after != before {
		t.Error("a read-only command changed the state store")
	}
	if _, out, _ := runCLI(t, nil, "-C", dir, "check"); !strings.Contains(out, "report: .handover/runs/2/report.html") {
		t.Errorf("the next check names no report:\n%s", out)
	}
}

// fileDigest hashes a SQLite database with its write-ahead log, where a
// write lands first.
func fileDigest(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if wal, err := os.ReadFile(path + "-wal"); err == nil {
		b = append(b, wal...)
	}
	return sha256.Sum256(b)
}
