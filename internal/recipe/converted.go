package recipe

import (
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/parser"

	"github.com/handover/handover/internal/format"
)

// converters names, per field type, the recipe function whose result is
// already in that type's canonical form.
var converters = map[format.Type]string{
	format.Phone:    "phone",
	format.Email:    "email",
	format.Country:  "country",
	format.Date:     "date",
	format.Datetime: "datetime",
}

// Converted reports, aligned with the entity's fields, which expressions
// end in the conversion function of the field's own type (phone(…) for a
// phone field, date(…) for a date field…): their results are canonical
// already, so validation can skip converting them again and check the
// constraints only.
func (p *Program) Converted(r *Recipe) []bool {
	out := make([]bool, len(p.entity.Fields))
	for _, fx := range r.Fields {
		i := fieldIndex(p.entity, fx.Field)
		if i < 0 || p.fields[i] == nil {
			continue
		}
		name, ok := converters[p.entity.Fields[i].Type]
		if !ok {
			continue
		}
		tree, err := parser.Parse(fx.Expr)
		if err != nil {
			continue
		}
		out[i] = rootCall(tree.Node) == name
	}
	return out
}

// rootCall names the function an expression ends in ("" when its root is
// no call). date and now are also expr built-ins, parsed as such.
func rootCall(n ast.Node) string {
	switch c := n.(type) {
	case *ast.CallNode:
		if id, ok := c.Callee.(*ast.IdentifierNode); ok {
			return id.Value
		}
	case *ast.BuiltinNode:
		return c.Name
	}
	return ""
}
