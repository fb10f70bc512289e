package project

import (
	"fmt"
	"sort"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/recipe"
)

// check validates what spans files: recipes against the format, and the
// gate's entities.
func (l *loader) check() {
	f := l.p.Format
	if f == nil {
		return
	}
	for _, entity := range l.recipeOrder() {
		r := l.p.Recipes[entity]
		e := f.Entity(entity)
		if e == nil {
			msg := fmt.Sprintf("entity %q is not in the format (%s)", entity, l.rel(f.Path))
			l.errs.Add(l.rel(r.Path), r.Line, "%s", suggest(msg, entity, entityNames(f)))
			continue
		}
		l.checkRecipe(r, e)
	}
	for _, e := range f.Entities {
		if _, ok := l.p.Recipes[e.Name]; !ok {
			l.errs.Add(l.rel(f.Path), e.Line, "entity %s has no recipe: add %s with entity: %s",
				e.Name, l.rel(l.abs(l.paths.recipes))+"/"+e.Name+".yaml", e.Name)
		}
	}
	for _, entity := range sortedKeys(l.p.Gate.MinRows) {
		if f.Entity(entity) == nil {
			msg := fmt.Sprintf("gate.min_rows: entity %q is not in the format", entity)
			l.errs.Add(ConfigFile, l.paths.minRowsLines[entity], "%s", suggest(msg, entity, entityNames(f)))
		}
	}
}

// checkRecipe checks that a recipe's fields exist in its entity and that
// the key and every required field have an expression.
func (l *loader) checkRecipe(r *recipe.Recipe, e *format.Entity) {
	file := l.rel(r.Path)
	var names []string
	for _, fl := range e.Fields {
		names = append(names, fl.Name)
	}
	given := map[string]bool{}
	for _, fe := range r.Fields {
		given[fe.Field] = true
		if e.Field(fe.Field) == nil {
			msg := fmt.Sprintf("fields.%s: %s has no field %q", fe.Field, e.Name, fe.Field)
			l.errs.Add(file, fe.Line, "%s", suggest(msg, fe.Field, names))
		}
	}
	for _, fl := range e.Fields {
		switch {
		case given[fl.Name]:
		case fl.Name == e.Key:
			l.errs.Add(file, r.Line, "%s.%s is the key but the recipe has no expression for it under fields:", e.Name, fl.Name)
		case fl.Required:
			l.errs.Add(file, r.Line, "%s.%s is required but the recipe has no expression for it under fields:", e.Name, fl.Name)
		}
	}
}

// recipeOrder is the recipes' entities in file name order, so that problems
// come out in a stable order.
func (l *loader) recipeOrder() []string {
	names := make([]string, 0, len(l.p.Recipes))
	for name := range l.p.Recipes {
		names = append(names, name)
	}
	sort.Slice(names, func(i, j int) bool {
		return l.p.Recipes[names[i]].Path < l.p.Recipes[names[j]].Path
	})
	return names
}

func entityNames(f *format.Format) []string {
	out := make([]string, len(f.Entities))
	for i, e := range f.Entities {
		out[i] = e.Name
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func suggest(msg, got string, candidates []string) string {
	if s := conf.Suggest(got, candidates); s != "" {
		return fmt.Sprintf("%s (did you mean %q?)", msg, s)
	}
	return msg
}
