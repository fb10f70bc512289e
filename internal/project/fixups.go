package project

import "github.com/handover/handover/internal/fixup"

// compileFixups checks the fix-up rules of the recipes and handover.yaml
// against the format. They run entity by entity in format order; for each
// entity the recipe's rules first, then those of handover.yaml, each in
// file order. Rules on entities the format lacks are checked last, so that
// they are reported.
func (l *loader) compileFixups() {
	f := l.p.Format
	if f == nil {
		return
	}
	var specs []fixup.Spec
	known := map[string]bool{}
	for _, e := range f.Entities {
		known[e.Name] = true
		if r := l.p.Recipes[e.Name]; r != nil {
			specs = append(specs, r.Fixups...)
		}
		for _, s := range l.paths.fixups {
			if s.On == e.Name {
				specs = append(specs, s)
			}
		}
	}
	for _, s := range l.paths.fixups {
		if !known[s.On] {
			specs = append(specs, s)
		}
	}
	l.p.Fixups = fixup.Compile(specs, f, l.errs)
}
