package recipe

import (
	"errors"

	"github.com/expr-lang/expr/vm"

	"github.com/handover/handover/internal/format"
)

// Program is a recipe compiled against one source file's columns and one
// target entity. It is safe for concurrent use; each goroutine evaluates
// rows with its own Evaluator.
type Program struct {
	entity  *format.Entity
	columns []string
	fields  []*compiled // aligned with entity.Fields; nil: no expression
	filter  *compiled   // nil: keep every row
	sites   []*site     // function calls of all expressions
}

// compiled is one compiled expression.
type compiled struct {
	field   string      // target field; "" for the filter
	label   string      // what messages start with: the field name or "filter"
	src     string      // the expression as written
	program *vm.Program // nil when direct is set
	// Evaluation without the VM, for expressions made only of recipe
	// functions, columns, strings, ==, !=, logic and cond ? a : b.
	direct  func(*state) string // a field
	cond    func(*state) bool   // the filter
	columns []int               // column indexes the expression reads, ascending
}

// Compile compiles every field expression and the filter once. columns are
// the source file's header names. Every problem is reported at once
// (joined), each on one line with the recipe file and line: an expression
// that does not compile, an unknown column (with the closest name and the
// file's columns), an unknown function or lookup table, a bad date layout,
// locale, region or time zone, a field the entity does not have.
func Compile(r *Recipe, e *format.Entity, columns []string, lookups Lookups) (*Program, error) {
	c := newCompiler(r, columns, lookups)
	p := &Program{entity: e, columns: columns, fields: make([]*compiled, len(e.Fields))}
	var errs []error
	if r.Filter != "" {
		f, err := c.compile(r.Filter, "", "filter", r.FilterLine)
		errs = append(errs, err)
		p.filter = f
	}
	for _, fx := range r.Fields {
		i := fieldIndex(e, fx.Field)
		if i < 0 {
			errs = append(errs, c.errorf(fx.Line, "field %s: entity %s has no such field%s",
				fx.Field, e.Name, suggest(fx.Field, fieldNames(e))))
			continue
		}
		f, err := c.compile(fx.Expr, fx.Field, fx.Field, fx.Line)
		errs = append(errs, err)
		p.fields[i] = f
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	p.sites = c.sites
	return p, nil
}

func fieldIndex(e *format.Entity, name string) int {
	for i, f := range e.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

func fieldNames(e *format.Entity) []string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Name
	}
	return names
}

// UsedColumns returns the source columns the program reads, in source
// order.
func (p *Program) UsedColumns() []string {
	used := make([]bool, len(p.columns))
	mark := func(c *compiled) {
		if c != nil {
			for _, i := range c.columns {
				used[i] = true
			}
		}
	}
	mark(p.filter)
	for _, f := range p.fields {
		mark(f)
	}
	var out []string
	for i, u := range used {
		if u {
			out = append(out, p.columns[i])
		}
	}
	return out
}

// FieldColumns returns, aligned with the entity's fields, the source
// columns each field's expression reads, in source order (nil for a field
// without an expression).
func (p *Program) FieldColumns() [][]string {
	out := make([][]string, len(p.fields))
	for i, f := range p.fields {
		if f == nil {
			continue
		}
		for _, c := range f.columns {
			out[i] = append(out[i], p.columns[c])
		}
	}
	return out
}

// FilterColumns returns the source columns the filter reads, in source
// order; nil without a filter.
func (p *Program) FilterColumns() []string {
	if p.filter == nil {
		return nil
	}
	var out []string
	for _, c := range p.filter.columns {
		out = append(out, p.columns[c])
	}
	return out
}
