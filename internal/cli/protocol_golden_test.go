package cli

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestProtocolGolden: the protocol.json of each kind of run (check,
// import, files sync) on the sample project, with the fields that change
// from run to run (times, durations, paths, version) blanked, matches
// testdata/protocol-KIND.json (go test -update rewrites them).
func TestProtocolGolden(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	os.MkdirAll(filepath.Join(dir, "sample", "files", "docs"), 0o755)
	os.WriteFile(filepath.Join(dir, "sample", "files", "docs", "vertrag.pdf"), []byte("%PDF-1.4 contract"), 0o644)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	runs := []struct {
		kind string
		args []string
	}{
		{"check", []string{"check", "--json"}},
		{"import", []string{"import", "--env", "dev", "--json"}},
		{"sync", []string{"files", "sync", "--env", "dev", "--json"}},
	}
	for _, r := range runs {
		t.Run(r.kind, func(t *testing.T) {
			code, out, errOut := runCLI(t, nil, append([]string{"-C", dir}, r.args...)...)
			if code != 0 && code != 3 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			var p map[string]any
			if err := json.Unmarshal([]byte(out), &p); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, out)
			}
			blank(p)
			got, _ := json.MarshalIndent(p, "", "  ")
			got = append(got, '\n')
			path := filepath.Join("testdata", "protocol-"+r.kind+".json")
			if *updateGolden {
				os.MkdirAll("testdata", 0o755)
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -run TestProtocolGolden -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("protocol of %s differs from %s (go test -update rewrites it):\n%s", r.kind, path, got)
			}
		})
	}
}

// blank replaces the values that differ between two identical runs, and
// hashes, which change with the scaffold (the shape is what counts).
func blank(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			switch s, _ := e.(string); {
			case k == "started" || k == "finished" || k == "millis" || k == "version" || k == "artifacts" ||
				k == "rejects" || k == "store":
				if e != nil {
					x[k] = "…"
				}
			case strings.HasPrefix(s, "sha256:"):
				x[k] = "sha256:…"
			default:
				blank(e)
			}
		}
	case []any:
		for _, e := range x {
			blank(e)
		}
	}
}
