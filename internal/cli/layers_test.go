package cli

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestCLIImportsNoBusinessLogic checks the layering of DESIGN.md: the
// command line parses flags and renders results; the run lifecycle, the
// stores, the loaders, the promotion rules, the webhooks and the runbook
// are reached only through the application layer, which the command line
// knows by its contract (internal/usecase) and cmd/handover wires in.
// Neither the command line nor anything it depends on (go list -deps),
// the contract included, imports them.
func TestCLIImportsNoBusinessLogic(t *testing.T) {
	const mod = "github.com/handover/handover/internal/"
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	imports := strings.Fields(string(out))
	for _, banned := range []string{"load", "engine", "state", "promote", "notify", "plan", "runbook", "app"} {
		for _, imp := range imports {
			if imp == mod+banned || strings.HasPrefix(imp, mod+banned+"/") {
				t.Errorf("internal/cli imports %s: go through the application layer's contract (internal/usecase)", imp)
			}
		}
	}
	if !slices.Contains(imports, mod+"usecase") {
		t.Errorf("internal/cli does not import internal/usecase:\n%s", out)
	}

	deps, err := exec.Command("go", "list", "-deps", "-f", `{{.ImportPath}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, deps)
	}
	for _, dep := range strings.Fields(string(deps)) {
		for _, banned := range []string{"app", "load", "engine", "state", "promote", "notify", "runbook"} {
			if dep == mod+banned || strings.HasPrefix(dep, mod+banned+"/") {
				t.Errorf("internal/cli depends on %s (go list -deps ./internal/cli)", dep)
			}
		}
	}
}
