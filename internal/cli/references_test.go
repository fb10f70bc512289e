package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

// The same extraction gives the same rejects in check and import: a contact
// whose company is not in the delivery is a reject in both, even when the
// company is already in the environment — unless the environment opts in
// with references: environment, which the protocol shows (issue 16 item 12).
func TestCheckAndImportResolveReferencesAlike(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "acme")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	mustRun(t, "-C", dir, "import", "--env", "dev") // F001, F002, … are in dev now

	// Extraction 2: the same contacts, but the companies file lacks F001.
	second := filepath.Join(t.TempDir(), "second")
	if err := os.MkdirAll(second, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"kontakte.csv", "firmen.csv"} {
		b, err := os.ReadFile(filepath.Join(dir, "sample", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "firmen.csv" {
			var kept []string
			for _, l := range strings.SplitAfter(string(b), "\n") {
				if !strings.HasPrefix(l, "F001;") {
					kept = append(kept, l)
				}
			}
			b = []byte(strings.Join(kept, ""))
		}
		if err := os.WriteFile(filepath.Join(second, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mustRun(t, "-C", dir, "freeze", "--by", "Carla")
	mustRun(t, "-C", dir, "receive", second)

	refRejects := func(args ...string) (int, *protocol.Protocol) {
		t.Helper()
		code, out, errOut := runCLI(t, nil, append([]string{"-C", dir, "--json"}, args...)...)
		if code != 0 && code != 3 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		var p protocol.Protocol
		if err := json.Unmarshal([]byte(out), &p); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
		n := 0
		for _, e := range p.Entities {
			n += e.RejectsByRule["structure/ref"]
		}
		return n, &p
	}
	check, _ := refRejects("check")
	if check == 0 {
		t.Fatal("check of extraction 2 rejects no contact of F001: the test does not test anything")
	}
	imp, p := refRejects("import", "--env", "dev", "--dry-run")
	if imp != check || p.References != "delivery" {
		t.Errorf("import: %d ref rejects (references %q), check: %d; want the same, references delivery", imp, p.References, check)
	}

	cfg := filepath.Join(dir, "handover.yaml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(b), "    database: sqlite://.handover/dev.db", "    database: sqlite://.handover/dev.db\n    references: environment", 1)
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	env, p := refRejects("import", "--env", "dev", "--dry-run")
	if env >= check || p.References != "environment" {
		t.Errorf("references: environment: %d ref rejects (references %q), want fewer than check's %d", env, p.References, check)
	}
}
