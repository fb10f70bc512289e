package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// An engineer without prod credentials can work on dev: an unset ${VAR} of
// an environment only refuses the commands that use that environment, and
// names the variable (issue 16 item 23).
func TestUnsetVariableOfUnusedEnvironment(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "environments:\n", `environments:
  prod:
    database: ${PROD_DATABASE_URL}
    requires: [dev]
`, 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	unset := map[string]string{"PROD_DATABASE_URL": ""}
	for _, args := range [][]string{
		{"receive", filepath.Join(dir, "sample")},
		{"check"},
		{"import", "--env", "dev"},
		{"runs"},
		{"plan"},
	} {
		code, out, errOut := runCLI(t, unset, append([]string{"-C", dir}, args...)...)
		if code != 0 && code != 3 {
			t.Errorf("handover %s with PROD_DATABASE_URL unset: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
		}
	}
	code, _, errOut := runCLI(t, unset, "-C", dir, "import", "--env", "prod")
	if code != 2 || !strings.Contains(errOut, "environments.prod.database: environment variable PROD_DATABASE_URL is not set") {
		t.Errorf("import --env prod: exit %d, stderr %q; want exit 2 naming PROD_DATABASE_URL", code, errOut)
	}
}
