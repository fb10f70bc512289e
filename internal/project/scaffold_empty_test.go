package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestScaffoldEmpty: init --empty writes the project files without the
// example: no sample delivery, no recipes, no lookups, an empty format
// whose only complaint is that it has no entities yet.
func TestScaffoldEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	if err := ScaffoldEmpty(dir); err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{"sample", "recipes/contacts.yaml", "lookups/kategorien.csv"} {
		if _, err := os.Stat(filepath.Join(dir, gone)); err == nil {
			t.Errorf("%s was written", gone)
		}
	}
	for _, dirName := range []string{"recipes", "lookups"} {
		if fi, err := os.Stat(filepath.Join(dir, dirName)); err != nil || !fi.IsDir() {
			t.Errorf("%s/ missing: %v", dirName, err)
		}
	}
	if got := string(mustRead(t, dir, ".gitignore")); got != ".handover/\n" {
		t.Errorf(".gitignore = %q", got)
	}
	_, err := Load(dir, env(nil))
	if err == nil || !strings.Contains(err.Error(), "no entities") {
		t.Errorf("Load: %v, want only the missing entities named", err)
	}
	if err := ScaffoldEmpty(dir); err == nil {
		t.Error("a second init --empty overwrote the project")
	}
}
