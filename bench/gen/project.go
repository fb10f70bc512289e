package main

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// projectFiles is the handover project mapping the delivery: handover.yaml,
// format.yaml, recipes/ and lookups/.
//
//go:embed project
var projectFiles embed.FS

// writeProject copies the project into dir.
func writeProject(dir string) error {
	return fs.WalkDir(projectFiles, "project", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel("project", path)
		if err != nil {
			return err
		}
		target := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := projectFiles.ReadFile(path)
		if err != nil {
			return err
		}
		if err := os.WriteFile(target, data, 0o644); err != nil {
			return fmt.Errorf("write project: %w", err)
		}
		return nil
	})
}
