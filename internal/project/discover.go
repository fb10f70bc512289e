package project

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Discover lists the project directories under root, at any depth: root
// itself when it holds handover.yaml, else every directory below it that
// does — not descending into a project (its own directories are not
// projects of their own) or into a hidden directory (.handover, .git).
// The paths are absolute, in lexical order. serve's dashboard and the
// workers of serve and worker --root serve the same projects.
func Discover(root string) ([]string, error) {
	root, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var out []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if _, err := os.Stat(filepath.Join(path, ConfigFile)); err == nil {
			out = append(out, path)
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("find projects under %s: %w", root, err)
	}
	return out, nil
}
