package cli

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// A dry run never looks like a real one: runs says "(dry run)" and runs
// --json carries dry_run (issue 16 item 13).
func TestDryRunsShowAsDryRuns(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	if code, out, errOut := runCLI(t, nil, "-C", dir, "import", "--env", "dev", "--dry-run"); code != 0 {
		t.Fatalf("import --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	mustRun(t, "-C", dir, "import", "--env", "dev")

	text := mustRun(t, "-C", dir, "runs")
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "succeeded (dry run)") || strings.Contains(lines[2], "dry run") {
		t.Errorf("runs:\n%s", text)
	}
	var runs struct {
		Runs []struct {
			Run    int  `json:"run"`
			DryRun bool `json:"dry_run"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "-C", dir, "runs", "--json")), &runs); err != nil || len(runs.Runs) != 2 {
		t.Fatalf("runs --json: %v %+v", err, runs)
	}
	if !runs.Runs[0].DryRun || runs.Runs[1].DryRun {
		t.Errorf("runs --json dry_run flags = %+v, want [true false]", runs.Runs)
	}
	if show := mustRun(t, "-C", dir, "show", "1"); !strings.Contains(show, "dry run") {
		t.Errorf("show 1 does not say dry run:\n%s", show)
	}
}
