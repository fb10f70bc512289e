package project

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/recipe"
)

// ResolveDir makes dir absolute and checks that it holds a handover.yaml.
func ResolveDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("resolve project directory %s: %w", dir, err)
	}
	if _, err := os.Stat(filepath.Join(abs, ConfigFile)); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("no %s in %s: run `handover init %s` to create a project, or pass -C DIR", ConfigFile, abs, dir)
		}
		return "", fmt.Errorf("open project: %w", err)
	}
	return abs, nil
}

// Load reads the project in dir: handover.yaml, the format it names, every
// recipe and every lookup table, and validates them together. ${VAR} in the
// string values of handover.yaml is read through getenv (os.Getenv when nil).
// Configuration problems are returned all at once as an *Errors; the
// project is nil then.
func Load(dir string, getenv func(string) string) (*Project, error) {
	return LoadChecked(dir, getenv)
}

// Check is a validation of a loaded project by a package above this one
// (the runbook's plan: overrides): it adds its problems to errs, so that
// they are reported in the same pass as every other problem.
type Check func(p *Project, errs *Errors)

// LoadChecked is Load with more checks, run on the project as parsed
// before any problem is reported.
func LoadChecked(dir string, getenv func(string) string, checks ...Check) (*Project, error) {
	abs, err := ResolveDir(dir)
	if err != nil {
		return nil, err
	}
	if getenv == nil {
		getenv = os.Getenv
	}
	l := &loader{
		p:       &Project{Dir: abs, ConfigPath: filepath.Join(abs, ConfigFile), Recipes: map[string]*recipe.Recipe{}, Lookups: recipe.Lookups{}},
		errs:    &Errors{},
		recipes: map[string][]byte{},
		lookups: map[string][]byte{},
	}
	data, err := os.ReadFile(l.p.ConfigPath)
	if err != nil {
		return nil, fmt.Errorf("read project: %w", err)
	}
	l.paths = parseConfig(l.p, &conf.Doc{File: ConfigFile, Errs: l.errs, Getenv: getenv}, data)
	l.loadFormat()
	l.loadRecipes()
	l.loadLookups()
	l.check()
	l.compileFixups()
	for _, c := range checks {
		c(l.p, l.errs)
	}
	l.errs.Sort()
	if err := l.errs.Err(); err != nil {
		return nil, err
	}
	l.p.Hashes = l.hashes()
	l.p.Files.Format, l.p.Files.FormatName = l.formatData, l.rel(l.abs(l.paths.format))
	l.p.Files.Recipes, l.p.Files.Lookups = l.recipes, l.lookups
	l.p.Hashes.Fixups = fixup.Hash(l.p.Fixups)
	return l.p, nil
}

// loader carries one Load: the project being filled, the problems so far,
// and the file bytes the hashes are computed over.
type loader struct {
	p          *Project
	errs       *Errors
	paths      *paths
	formatData []byte
	recipes    map[string][]byte // entity → recipe file bytes
	lookups    map[string][]byte // table → file bytes
}

// abs resolves a path of handover.yaml against the project directory.
func (l *loader) abs(path string) string {
	if filepath.IsAbs(path) {
		return filepath.Clean(path)
	}
	return filepath.Join(l.p.Dir, path)
}

// rel is how a file of the project is shown in messages.
func (l *loader) rel(abs string) string {
	if r, err := filepath.Rel(l.p.Dir, abs); err == nil {
		return filepath.ToSlash(r)
	}
	return abs
}

func (l *loader) loadFormat() {
	path := l.abs(l.paths.format)
	data, err := os.ReadFile(path)
	if err != nil {
		l.errs.Add(ConfigFile, l.paths.formatLine, "format: cannot read %s: %v", l.rel(path), unwrapPath(err))
		return
	}
	f, err := format.ParseFormat(l.rel(path), data)
	l.errs.Merge(l.rel(path), err)
	if f != nil {
		f.Path = path
	}
	l.p.Format, l.formatData = f, data
}

func (l *loader) loadRecipes() {
	dir := l.abs(l.paths.recipes)
	l.p.RecipesDir = dir
	entries, err := os.ReadDir(dir)
	if err != nil {
		l.errs.Add(ConfigFile, l.paths.recipesLine, "recipes: cannot read directory %s: %v", describeDir(l.rel(dir)), unwrapPath(err))
		return
	}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") || IsTestFile(e.Name()) {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			l.errs.Add(l.rel(path), 0, "cannot read: %v", unwrapPath(err))
			continue
		}
		r, err := recipe.ParseRecipe(l.rel(path), data)
		l.errs.Merge(l.rel(path), err)
		if r == nil || r.Entity == "" {
			continue
		}
		if other, dup := l.p.Recipes[r.Entity]; dup {
			l.errs.Add(l.rel(path), r.Line, "a second recipe for entity %s (the first is %s)", r.Entity, l.rel(other.Path))
			continue
		}
		r.Path = path
		l.p.Recipes[r.Entity] = r
		l.recipes[r.Entity] = data
	}
}

func (l *loader) loadLookups() {
	dir := l.abs(l.paths.lookups)
	files, err := lookupFiles(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && l.paths.lookupsLine == 0:
		return // the default directory is optional
	case err != nil:
		l.errs.Add(ConfigFile, l.paths.lookupsLine, "lookups: cannot read directory %s: %v", describeDir(l.rel(dir)), unwrapPath(err))
		return
	}
	for _, file := range files {
		path := filepath.Join(dir, file)
		data, err := os.ReadFile(path)
		if err != nil {
			l.errs.Add(l.rel(path), 0, "cannot read: %v", unwrapPath(err))
			continue
		}
		name := tableName(file)
		if _, dup := l.p.Lookups[name]; dup {
			l.errs.Add(l.rel(path), 0, "a second lookup table named %s", name)
			continue
		}
		if table := parseLookup(l.rel(path), data, l.errs); table != nil {
			l.p.Lookups[name] = table
			l.lookups[name] = data
		}
	}
}

// unwrapPath drops the path an *fs.PathError repeats; messages name it.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// IsTestFile reports whether a file of the recipes directory holds fixture
// tests (<entity>.test.yaml) rather than a recipe.
func IsTestFile(name string) bool {
	lower := strings.ToLower(name)
	return strings.HasSuffix(lower, ".test.yaml") || strings.HasSuffix(lower, ".test.yml")
}
