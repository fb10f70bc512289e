package cli

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestReceiveRefusesZipBomb: receive refuses an archive that unpacks to
// far more than it weighs, says so once ("receive:" not twice), and keeps
// nothing.
func TestReceiveRefusesZipBomb(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	bomb := filepath.Join(t.TempDir(), "bomb.zip")
	f, err := os.Create(bomb)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("kontakte.csv")
	zeros := make([]byte, 1<<20)
	for range 40 {
		w.Write(zeros)
	}
	zw.Close()
	f.Close()
	code, _, errOut := runCLI(t, nil, "-C", dir, "receive", bomb)
	if code == 0 || !strings.Contains(errOut, "zip bomb") || strings.Contains(errOut, "receive: receive:") {
		t.Errorf("exit %d, stderr %q; want a refusal naming a zip bomb, saying receive once", code, errOut)
	}
	code, _, errOut = runCLI(t, nil, "-C", dir, "receive", filepath.Join(dir, "sample"), "--max-size", "1KiB")
	if code != 0 {
		t.Errorf("a plain directory is no archive: exit %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, nil, "-C", dir, "receive", bomb, "--max-size", "lots")
	if code == 0 || !strings.Contains(errOut, "--max-size") {
		t.Errorf("bad --max-size: exit %d %q", code, errOut)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, ".handover", "extractions"))
	if len(entries) != 1 || entries[0].Name() != "1" {
		t.Errorf("extractions %v, want only 1", entries)
	}
}

// TestInitEmpty: init --empty makes a project without the sample; init
// errors say "init" once.
func TestInitEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	out := mustRun(t, "init", "--empty", dir)
	if !strings.Contains(out, "format.yaml") {
		t.Errorf("stdout %q does not say what to do next", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sample")); err == nil {
		t.Error("init --empty wrote sample/")
	}
	code, _, errOut := runCLI(t, nil, "init", dir)
	if code == 0 || strings.Count(errOut, "init") != 1 {
		t.Errorf("second init: exit %d, stderr %q; want a refusal saying init once", code, errOut)
	}
}
