package project

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

//go:embed scaffold scaffold_empty
var scaffoldFS embed.FS

// scaffoldName maps an embedded file to its name in the project: the embed
// directive skips dot files, so .gitignore is stored as gitignore.
func scaffoldName(name string) string {
	if name == "gitignore" {
		return ".gitignore"
	}
	return name
}

// Scaffold writes a new project into dir (created when missing): a
// handover.yaml with a dev environment, an example format, recipes, a
// lookup table, a sample delivery in sample/ and a .gitignore. It refuses
// to overwrite an existing handover.yaml or any other file it would write.
func Scaffold(dir string) error { return scaffold(dir, "scaffold") }

// ScaffoldEmpty writes a new project without the example: handover.yaml,
// a format.yaml without entities (comments show how to write one), empty
// recipes/ and lookups/ folders and a .gitignore.
func ScaffoldEmpty(dir string) error {
	if err := scaffold(dir, "scaffold_empty"); err != nil {
		return err
	}
	for _, sub := range []string{"recipes", "lookups"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return fmt.Errorf("init project: %w", err)
		}
	}
	return nil
}

// scaffold writes the embedded folder root into dir.
func scaffold(dir, root string) error {
	files, err := scaffoldFiles(root)
	if err != nil {
		return fmt.Errorf("init project: %w", err)
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return fmt.Errorf("init project: %s already has a %s; not overwriting it", dir, ConfigFile)
	}
	var existing []string
	for _, name := range files {
		if _, err := os.Lstat(filepath.Join(dir, scaffoldName(name))); err == nil {
			existing = append(existing, scaffoldName(name))
		}
	}
	if len(existing) > 0 {
		return fmt.Errorf("init project: %s already has %s; not overwriting", dir, strings.Join(existing, ", "))
	}
	for _, name := range files {
		if err := writeScaffoldFile(dir, root, name); err != nil {
			return fmt.Errorf("init project: %w", err)
		}
	}
	return nil
}

// scaffoldFiles lists the embedded files, relative to root.
func scaffoldFiles(root string) ([]string, error) {
	var out []string
	err := fs.WalkDir(scaffoldFS, root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out = append(out, strings.TrimPrefix(p, root+"/"))
		return nil
	})
	return out, err
}

func writeScaffoldFile(dir, root, name string) error {
	data, err := scaffoldFS.ReadFile(path.Join(root, name))
	if err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.FromSlash(scaffoldName(name)))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return errors.Join(err, os.Remove(dst))
	}
	return f.Close()
}
