package recipe

import (
	"sort"

	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"
)

// ReferencedColumns returns the source columns the recipe's filter and
// field expressions name (identifiers and col("…")), sorted. An expression
// that does not parse contributes nothing: Compile reports it.
func ReferencedColumns(r *Recipe) []string {
	seen := map[string]bool{}
	srcs := []string{r.Filter}
	for _, f := range r.Fields {
		srcs = append(srcs, f.Expr)
	}
	for _, src := range srcs {
		if src == "" {
			continue
		}
		tree, err := parser.Parse(src)
		if err != nil {
			continue
		}
		col := &collector{callees: map[ast.Node]bool{}, vars: map[string]bool{}}
		ast.Walk(&tree.Node, col)
		ast.Walk(&tree.Node, &columnNames{col: col, seen: seen})
	}
	out := make([]string, 0, len(seen))
	for c := range seen {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// columnNames collects the column names of one parsed expression.
type columnNames struct {
	col  *collector
	seen map[string]bool
}

// Visit implements ast.Visitor.
func (v *columnNames) Visit(node *ast.Node) {
	switch n := (*node).(type) {
	case *ast.IdentifierNode:
		if !v.col.callees[n] && !v.col.vars[n.Value] && n.Value != "$env" {
			v.seen[n.Value] = true
		}
	case *ast.CallNode:
		if id, ok := n.Callee.(*ast.IdentifierNode); ok && id.Value == "col" && len(n.Arguments) == 1 {
			if s, ok := n.Arguments[0].(*ast.StringNode); ok {
				v.seen[s.Value] = true
			}
		}
	}
}
