package project

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestDiscover: projects at any depth under the root, none inside a
// project or a hidden directory; the root alone when it is a project.
func TestDiscover(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string, project bool) {
		d := filepath.Join(root, rel)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if project {
			if err := os.WriteFile(filepath.Join(d, ConfigFile), []byte("migration: x\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	mk("acme", true)
	mk("acme/nested", true)        // inside a project: not one of its own
	mk("teams/emea/globex", true)  // two levels down
	mk("teams/emea/empty", false)  // no project
	mk("teams/.archive/old", true) // hidden
	mk("initech/.handover", false)
	mk("initech", true)
	got, err := Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{filepath.Join(root, "acme"), filepath.Join(root, "initech"), filepath.Join(root, "teams/emea/globex")}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Discover: %v\nwant %v", got, want)
	}

	mk("", true) // the root itself is a project: only it
	got, err = Discover(root)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{root}; !reflect.DeepEqual(got, want) {
		t.Errorf("Discover of a project root: %v, want %v", got, want)
	}
	if _, err := Discover(filepath.Join(root, "missing")); err == nil {
		t.Error("Discover of a missing root: no error")
	}
}
