package cli

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// handover version and --version name the version, commit and Go version
// (issue 16 item 17).
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out := mustRun(t, args...)
		if !strings.HasPrefix(out, "handover "+Version+" (commit ") || !strings.Contains(out, runtime.Version()) {
			t.Errorf("handover %s = %q", args[0], out)
		}
	}
	var v versionInfo
	if err := json.Unmarshal([]byte(mustRun(t, "version", "--json")), &v); err != nil || v.Version != Version || v.Go != runtime.Version() || v.Commit == "" {
		t.Errorf("version --json = %+v, %v", v, err)
	}
}

// With --json every failure is also JSON on stdout: {"error", "exit"}
// (issue 16 item 18); docs has no JSON form.
func TestJSONErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		args []string
		exit int
		msg  string
	}{
		{[]string{"--json", "bogus"}, 2, `unknown command "bogus"`},
		{[]string{"-C", dir, "check", "--json"}, 2, "no handover.yaml"},
		{[]string{"--json", "-C", dir, "show", "x"}, 2, ""},
		{[]string{"--json", "docs"}, 2, "not JSON"},
	}
	for _, tt := range tests {
		code, out, errOut := runCLI(t, nil, tt.args...)
		var got struct {
			Error string `json:"error"`
			Exit  int    `json:"exit"`
		}
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Errorf("handover %s: stdout is not JSON: %v\n%s", strings.Join(tt.args, " "), err, out)
			continue
		}
		if code != tt.exit || got.Exit != code || got.Error == "" || !strings.Contains(got.Error, tt.msg) {
			t.Errorf("handover %s: exit %d, %+v; want exit %d with %q", strings.Join(tt.args, " "), code, got, tt.exit, tt.msg)
		}
		if !strings.Contains(errOut, got.Error) {
			t.Errorf("handover %s: stderr %q lacks the error", strings.Join(tt.args, " "), errOut)
		}
	}
}
