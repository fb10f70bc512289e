package recipe

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
)

// Names of the functions the patcher calls; no expression can spell them
// (they are no identifiers), so they cannot clash with a column.
const (
	fnCall = "$call" // $call($env, site, value args...) runs a recipe function
	fnCol  = "$col"  // $col($env, index) reads a column of the current row
)

// compiler compiles the expressions of one recipe.
type compiler struct {
	recipe   *Recipe
	columns  []string
	colIndex map[string]int
	lookups  Lookups
	funcs    map[string]*funcSpec
	sites    []*site
	options  []expr.Option // shared by every expression
}

func newCompiler(r *Recipe, columns []string, lookups Lookups) *compiler {
	c := &compiler{recipe: r, columns: columns, colIndex: map[string]int{}, lookups: lookups, funcs: funcs()}
	for i, name := range columns {
		if _, dup := c.colIndex[name]; !dup {
			c.colIndex[name] = i
		}
	}
	c.options = []expr.Option{
		expr.Function(fnCall, vmCall, new(func(any, int, ...any) string)),
		expr.Function(fnCol, vmCol, new(func(any, int) string)),
		expr.DisableBuiltin("now"), // a recipe gives the same output on every run
	}
	// Declaring the recipe functions keeps the parser from reading them as
	// expr's builtins of the same name; the patcher replaces every call.
	for name := range c.funcs {
		c.options = append(c.options, expr.Function(name, unpatched))
	}
	c.options = append(c.options, expr.Function("col", unpatched))
	return c
}

func unpatched(...any) (any, error) {
	return nil, errors.New("recipe function called without compiling")
}

// compile compiles one expression. field is the target field ("" for the
// filter), label starts messages, line is the expression's line in the
// recipe file.
func (c *compiler) compile(src, field, label string, line int) (*compiled, error) {
	col := &collector{callees: map[ast.Node]bool{}, vars: map[string]bool{}}
	pt := &patcher{c: c, col: col, src: src, direct: map[ast.Node]func(*state) string{}, cond: map[ast.Node]func(*state) bool{}}
	options := append(slices.Clip(c.options), expr.Patch(col), expr.Patch(pt))
	prog, err := expr.Compile(src, options...)
	prefix := fmt.Sprintf("%s: ", label)
	if label != "filter" {
		prefix = "field " + prefix
	}
	if strings.TrimSpace(src) == "" {
		return nil, c.errorf(line, "%sthe expression is empty", prefix)
	}
	if len(pt.errs) > 0 {
		errs := make([]error, len(pt.errs))
		for i, e := range pt.errs {
			errs[i] = c.errorf(line, "%s%s", prefix, e)
		}
		return nil, errors.Join(errs...)
	}
	if err != nil {
		return nil, c.errorf(line, "%s%s", prefix, exprMessage(err, src))
	}
	if msg := checkType(prog.Node().Type(), field == ""); msg != "" {
		return nil, c.errorf(line, "%s%s", prefix, msg)
	}
	out := &compiled{field: field, label: label, src: src, program: prog, columns: pt.columnList()}
	if pt.root != nil && field != "" {
		if fn, ok := pt.direct[*pt.root]; ok {
			out.direct, out.program = fn, nil
		}
	}
	if pt.root != nil && field == "" {
		if fn, ok := pt.cond[*pt.root]; ok {
			out.cond, out.program = fn, nil
		}
	}
	return out, nil
}

// errorf formats a configuration error at a line of the recipe file.
func (c *compiler) errorf(line int, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if line > 0 {
		return fmt.Errorf("%s:%d: %s", c.recipe.Path, line, msg)
	}
	return fmt.Errorf("%s: %s", c.recipe.Path, msg)
}

// exprMessage turns expr's multi-line error into one line with the place.
func exprMessage(err error, src string) string {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return err.Error()
	}
	return fe.Message + where(fe.Line, fe.Column, src)
}

func where(line, column int, src string) string {
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			return fmt.Sprintf(" (line %d, character %d of the expression)", line, column+1)
		}
	}
	return fmt.Sprintf(" (character %d of the expression)", column+1)
}

// checkType rejects an expression whose type is known to be wrong: not
// bool for the filter, a list, map or function for a field.
func checkType(t reflect.Type, filter bool) string {
	if t == nil || t.Kind() == reflect.Interface {
		return ""
	}
	switch k := t.Kind(); {
	case filter && k != reflect.Bool:
		return fmt.Sprintf("gives %s, not true or false", t)
	case !filter && (k == reflect.Slice || k == reflect.Array || k == reflect.Map || k == reflect.Func || k == reflect.Struct):
		return fmt.Sprintf("gives %s, not a single value", t)
	}
	return ""
}
