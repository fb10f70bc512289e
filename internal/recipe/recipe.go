// Package recipe holds per-entity recipes (which source file, how to read
// it, one expression per target field, an optional row filter) and the
// engine that compiles and evaluates them.
package recipe

import "github.com/handover/handover/internal/fixup"

// Recipe is one parsed recipes/<entity>.yaml.
type Recipe struct {
	Path   string // file it was read from
	Entity string
	Source Source
	Filter string // expression yielding bool; "" keeps every row
	// FilterLine is the line of filter: in the recipe file.
	FilterLine int
	Fields     []FieldExpr // in file order
	Line       int         // line of the entity: key
	// Fixups are the recipe's fix-up rules (fixups:), on its entity.
	Fixups []fixup.Spec
}

// Source says which file of the extraction to read, and how.
type Source struct {
	File      string // path inside the extraction
	Encoding  string // "" = detect
	Delimiter string // "" = detect
	Sheet     string // xlsx; "" = first sheet
}

// FieldExpr is the expression for one target field.
type FieldExpr struct {
	Field string
	Expr  string
	Line  int // line in the recipe file
}

// Lookups are the project's lookup tables: table name → from → to.
type Lookups map[string]map[string]string
