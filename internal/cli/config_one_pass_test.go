package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every configuration problem is reported in one pass: a plan: entry
// naming no step, an unknown format type and an unknown recipe field come
// out of one command together (issue 16 item 19).
func TestConfigProblemsInOnePass(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	edit := func(name, from, to string) {
		t.Helper()
		path := filepath.Join(dir, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b) + to
		if from != "" {
			if !strings.Contains(string(b), from) {
				t.Fatalf("%s has no %q", name, from)
			}
			text = strings.Replace(string(b), from, to, 1)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	edit("handover.yaml", "", "plan:\n  - {id: bogus_step, owner: lead, after: nowhere}\n")
	edit("format.yaml", "type: email", "type: emale")
	edit("recipes/contacts.yaml", "fields:\n", "fields:\n  bogus: trim(ID)\n")

	code, _, errOut := runCLI(t, nil, "-C", dir, "check")
	if code != 2 {
		t.Fatalf("check: exit %d, want 2\n%s", code, errOut)
	}
	for _, want := range []string{"handover.yaml:", "bogus_step", `format.yaml:`, `unknown type "emale"`, "recipes/contacts.yaml:", `no field "bogus"`} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the one report lacks %q:\n%s", want, errOut)
		}
	}
}
