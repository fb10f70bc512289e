package recipe

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/expr-lang/expr/ast"
)

// collector is the first pass over an expression: it finds the identifiers
// that name a called function and the variables declared with let, so that
// the patcher reads every other identifier as a column.
type collector struct {
	callees map[ast.Node]bool
	vars    map[string]bool
}

// Visit implements ast.Visitor.
func (v *collector) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.CallNode:
		v.callees[n.Callee] = true
	case *ast.VariableDeclaratorNode:
		v.vars[n.Name] = true
	}
}

// patcher is the second pass: it replaces column identifiers and col("…")
// by indexed reads of the current row ($col), and recipe function calls by
// calls of their prepared site ($call), so that evaluation needs neither a
// map of the row nor reflection. Where an expression consists only of such
// calls, columns and strings, it also builds an evaluator that bypasses the
// VM.
type patcher struct {
	c      *compiler
	col    *collector
	src    string
	errs   []string
	used   map[int]bool
	direct map[ast.Node]func(*state) string
	cond   map[ast.Node]func(*state) bool // direct evaluators of conditions
	root   *ast.Node                      // the last node visited: the root, as the walk is post-order
}

// Visit implements ast.Visitor.
func (p *patcher) Visit(node *ast.Node) {
	p.root = node
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		p.identifier(node, n)
	case *ast.StringNode:
		s := n.Value
		p.direct[n] = func(*state) string { return s }
	case *ast.CallNode:
		p.call(node, n)
	default:
		p.directLogic(n)
	}
}

// directLogic builds direct evaluators for comparisons of texts, the
// logical operators and cond ? a : b, when their operands have them; they
// behave as expr's operators on strings and booleans.
func (p *patcher) directLogic(node ast.Node) {
	switch n := node.(type) {
	case *ast.BoolNode:
		b := n.Value
		p.cond[n] = func(*state) bool { return b }
	case *ast.UnaryNode:
		if x, ok := p.cond[n.Node]; ok && (n.Operator == "!" || n.Operator == "not") {
			p.cond[n] = func(st *state) bool { return !x(st) }
		}
	case *ast.BinaryNode:
		p.directBinary(n)
	case *ast.ConditionalNode:
		c, ok1 := p.cond[n.Cond]
		a, ok2 := p.direct[n.Exp1]
		b, ok3 := p.direct[n.Exp2]
		if ok1 && ok2 && ok3 {
			p.direct[n] = func(st *state) string {
				if c(st) {
					return a(st)
				}
				return b(st)
			}
		}
	}
}

func (p *patcher) directBinary(n *ast.BinaryNode) {
	if l, ok := p.direct[n.Left]; ok {
		r, ok := p.direct[n.Right]
		switch {
		case ok && n.Operator == "==":
			p.cond[n] = func(st *state) bool { return l(st) == r(st) }
		case ok && n.Operator == "!=":
			p.cond[n] = func(st *state) bool { return l(st) != r(st) }
		}
		return
	}
	l, ok1 := p.cond[n.Left]
	r, ok2 := p.cond[n.Right]
	if !ok1 || !ok2 {
		return
	}
	switch n.Operator {
	case "&&", "and":
		p.cond[n] = func(st *state) bool { return l(st) && r(st) }
	case "||", "or":
		p.cond[n] = func(st *state) bool { return l(st) || r(st) }
	}
}

func (p *patcher) identifier(node *ast.Node, n *ast.IdentifierNode) {
	if p.col.callees[n] || p.col.vars[n.Value] {
		return
	}
	if n.Value == "$env" {
		p.fail("$env is not available in recipes")
		return
	}
	p.column(node, n.Value)
}

// column replaces node by a read of the named column.
func (p *patcher) column(node *ast.Node, name string) {
	i, ok := p.c.colIndex[name]
	if !ok {
		p.fail("unknown column %q in %s%s; columns: %s", name, p.c.recipe.Source.File,
			suggest(name, p.c.columns), columnList(p.c.columns))
		ast.Patch(node, &ast.StringNode{})
		return
	}
	if p.used == nil {
		p.used = map[int]bool{}
	}
	p.used[i] = true
	ast.Patch(node, &ast.CallNode{
		Callee:    &ast.IdentifierNode{Value: fnCol},
		Arguments: []ast.Node{&ast.IdentifierNode{Value: "$env"}, &ast.IntegerNode{Value: i}},
	})
	p.direct[*node] = func(st *state) string { return st.column(i) }
}

func (p *patcher) call(node *ast.Node, n *ast.CallNode) {
	id, ok := n.Callee.(*ast.IdentifierNode)
	if !ok {
		return // a method or a value called: the checker says what is wrong
	}
	if id.Value == "col" {
		p.colCall(node, n)
		return
	}
	spec, ok := p.c.funcs[id.Value]
	if !ok {
		p.fail("unknown function %s%s; functions: %s", id.Value,
			suggest(id.Value, funcNames(p.c.funcs)), strings.Join(funcNames(p.c.funcs), ", "))
		ast.Patch(node, &ast.StringNode{})
		return
	}
	p.site(node, n, spec)
}

// colCall handles col("Name With Spaces").
func (p *patcher) colCall(node *ast.Node, n *ast.CallNode) {
	if len(n.Arguments) != 1 {
		p.fail("col takes one argument, the column name in quotes")
		ast.Patch(node, &ast.StringNode{})
		return
	}
	name, ok := n.Arguments[0].(*ast.StringNode)
	if !ok {
		p.fail("col needs the column name as a string literal in quotes")
		ast.Patch(node, &ast.StringNode{})
		return
	}
	p.column(node, name.Value)
}

// site checks a recipe function call, prepares its literal arguments and
// replaces it by $call($env, site, value args...).
func (p *patcher) site(node *ast.Node, n *ast.CallNode, spec *funcSpec) {
	s := &site{spec: spec, index: len(p.c.sites)}
	values, ok := p.arguments(n, spec, s)
	if !ok {
		ast.Patch(node, &ast.StringNode{})
		return
	}
	if spec.prepare != nil {
		if err := spec.prepare(p.c, s); err != nil {
			p.fail("%v", err)
			ast.Patch(node, &ast.StringNode{})
			return
		}
	}
	p.c.sites = append(p.c.sites, s)
	args := append([]ast.Node{&ast.IdentifierNode{Value: "$env"}, &ast.IntegerNode{Value: s.index}}, values...)
	direct := p.directArgs(values)
	ast.Patch(node, &ast.CallNode{Callee: &ast.IdentifierNode{Value: fnCall}, Arguments: args})
	if direct != nil {
		p.direct[*node] = func(st *state) string { return st.callDirect(s, direct) }
	}
}

// arguments checks the argument count and kinds, stores the literals in
// the site and returns the value arguments.
func (p *patcher) arguments(n *ast.CallNode, spec *funcSpec, s *site) ([]ast.Node, bool) {
	lo, hi := len(spec.params)-spec.opt, len(spec.params)
	if got := len(n.Arguments); got < lo || !spec.rest && got > hi {
		p.fail("%s takes %s, not %d", spec.name, arity(lo, hi, spec.rest), got)
		return nil, false
	}
	var values []ast.Node
	for i, a := range n.Arguments {
		kind := spec.params[min(i, len(spec.params)-1)]
		s.kinds = append(s.kinds, kind)
		switch kind {
		case pValue:
			values = append(values, a)
		case pText:
			str, ok := a.(*ast.StringNode)
			if !ok {
				p.fail("%s: argument %d must be a text in quotes", spec.name, i+1)
				return nil, false
			}
			s.texts = append(s.texts, str.Value)
		case pInt:
			v, ok := intLiteral(a)
			if !ok {
				p.fail("%s: argument %d must be a whole number", spec.name, i+1)
				return nil, false
			}
			s.ints = append(s.ints, v)
		}
	}
	return values, true
}

func intLiteral(a ast.Node) (int, bool) {
	switch n := a.(type) {
	case *ast.IntegerNode:
		return n.Value, true
	case *ast.UnaryNode:
		if i, ok := n.Node.(*ast.IntegerNode); ok && n.Operator == "-" {
			return -i.Value, true
		}
	}
	return 0, false
}

func arity(lo, hi int, rest bool) string {
	switch {
	case rest:
		return fmt.Sprintf("%d or more arguments", lo)
	case lo == hi && lo == 1:
		return "1 argument"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d or %d arguments", lo, hi)
}

// directArgs returns the direct evaluators of the value arguments, or nil
// when one of them needs the VM.
func (p *patcher) directArgs(values []ast.Node) []func(*state) string {
	out := make([]func(*state) string, len(values))
	for i, v := range values {
		fn, ok := p.direct[v]
		if !ok {
			return nil
		}
		out[i] = fn
	}
	return out
}

// fail records a problem of the expression, once.
func (p *patcher) fail(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if !slices.Contains(p.errs, msg) {
		p.errs = append(p.errs, msg)
	}
}

// columnList returns the column indexes used, ascending.
func (p *patcher) columnList() []int {
	out := make([]int, 0, len(p.used))
	for i := range p.used {
		out = append(out, i)
	}
	sort.Ints(out)
	return out
}
