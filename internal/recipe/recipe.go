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

// Source says which file of the extraction to read, and how; or which
// database table or query `receive --databases` snapshots into the
// extraction.
type Source struct {
	File      string // path inside the extraction; may be a glob (kontakte_*.csv)
	Encoding  string // "" = detect
	Delimiter string // "" = detect
	Sheet     string // xlsx; "" = first sheet

	// The layout of a file that is not one header row followed by data.
	HeaderRow  int      // line (sheet row) of the header; 0 = the first
	SkipRows   int      // lines before the header (or the data)
	FooterRows int      // rows after the data to leave out
	NoHeader   bool     // header: false
	Columns    []string // declared column names (no header, or fixed-width)
	Widths     []int    // fixed-width field widths, in characters

	// Table is a table of a dump file (with File) or of the database
	// (with Database).
	Table string
	// Database is the connection URL of a legacy database, as written
	// (${VAR} expanded only when receive --databases snapshots it; it may
	// hold a credential, so it is never shown). Query is the SQL to read.
	Database string
	Query    string
	Line     int // line of source: in the recipe file
}

// SnapshotDir is the directory of an extraction that holds the snapshots
// of database sources.
const SnapshotDir = "databases"

// SnapshotFile is the path inside the extraction of the snapshot of the
// database source of entity: a CSV file (UTF-8, a header, `,`).
func SnapshotFile(entity string) string { return SnapshotDir + "/" + entity + ".csv" }

// SnapshotMeta is the path of the snapshot's metadata file beside it.
func SnapshotMeta(entity string) string { return SnapshotDir + "/" + entity + ".meta.json" }

// IsDatabase reports whether the source is a database table or query.
func (s Source) IsDatabase() bool { return s.Database != "" }

// Path is the file inside the extraction the entity's rows are read from:
// the source file, or the snapshot of a database source.
func (r *Recipe) SourcePath() string {
	if r.Source.IsDatabase() {
		return SnapshotFile(r.Entity)
	}
	return r.Source.File
}

// FieldExpr is the expression for one target field.
type FieldExpr struct {
	Field string
	Expr  string
	Line  int // line in the recipe file
}

// Lookups are the project's lookup tables: table name → from → to.
type Lookups map[string]map[string]string
