package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load/internal/core"
)

// sqliteType is the declared type a field's column gets: decimals, dates
// and datetimes are canonical text (exact, sortable ISO-8601), booleans 0/1.
func sqliteType(t format.Type) string {
	switch t {
	case format.Int, format.Bool, format.Ref:
		return "INTEGER"
	}
	return "TEXT"
}

// sqliteAffinity applies SQLite's rules for the affinity of a declared type.
func sqliteAffinity(declared string) string {
	t := strings.ToUpper(declared)
	switch {
	case strings.Contains(t, "INT"):
		return "INTEGER"
	case strings.Contains(t, "CHAR"), strings.Contains(t, "CLOB"), strings.Contains(t, "TEXT"):
		return "TEXT"
	case t == "", strings.Contains(t, "BLOB"):
		return "BLOB"
	case strings.Contains(t, "REAL"), strings.Contains(t, "FLOA"), strings.Contains(t, "DOUB"):
		return "REAL"
	}
	return "NUMERIC"
}

// sqliteCompatible reports whether a column of the declared type keeps the
// field's values as loaded: text stays text only with TEXT affinity (or
// none), integers need INTEGER or NUMERIC affinity.
func sqliteCompatible(t format.Type, declared string) bool {
	a := sqliteAffinity(declared)
	if sqliteType(t) == "INTEGER" {
		return a == "INTEGER" || a == "NUMERIC"
	}
	return a == "TEXT" || a == "BLOB"
}

func sqliteQuote(name string) string {
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

func sqliteCreateTable(p *core.Mapping) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + sqliteQuote(p.Table) + " (" + sqliteQuote(core.IDColumn) + " INTEGER PRIMARY KEY")
	for i, f := range p.Entity.Fields {
		b.WriteString(", " + sqliteQuote(p.Columns[i]) + " " + sqliteType(f.Type))
		b.WriteString(core.Constraints(p, i))
	}
	b.WriteString(")")
	return b.String()
}

// sqliteColumn is one row of PRAGMA table_info.
type sqliteColumn struct {
	name     string
	declared string
	notNull  bool
	hasDflt  bool
	pk       int
}

// inspect reads an existing table and lists how it differs from the mapping.
func (x *sqliteTx) inspect(ctx context.Context, p *core.Mapping) (bool, []string, error) {
	cols, err := x.tableInfo(ctx, p.Table)
	if err != nil || len(cols) == 0 {
		return false, nil, err
	}
	byName := map[string]sqliteColumn{}
	for _, c := range cols {
		byName[strings.ToLower(c.name)] = c
	}
	var problems []string
	if id, ok := byName[core.IDColumn]; !ok {
		problems = append(problems, "column id is missing")
	} else if id.pk != 1 || !strings.EqualFold(id.declared, "INTEGER") || countPK(cols) != 1 {
		problems = append(problems, "column id is not INTEGER PRIMARY KEY")
	}
	used := map[string]bool{core.IDColumn: true}
	for i, f := range p.Entity.Fields {
		name := strings.ToLower(p.Columns[i])
		used[name] = true
		c, ok := byName[name]
		switch {
		case !ok:
			problems = append(problems, "column "+p.Columns[i]+" is missing")
		case !sqliteCompatible(f.Type, c.declared):
			problems = append(problems, fmt.Sprintf("column %s is %s, the format needs %s", c.name, declaredName(c.declared), sqliteType(f.Type)))
		}
	}
	if _, ok := byName[strings.ToLower(p.Columns[p.KeyIndex])]; ok {
		unique, err := x.uniqueOn(ctx, p.Table, p.Columns[p.KeyIndex])
		if err != nil {
			return true, nil, err
		}
		if !unique {
			problems = append(problems, "column "+p.Columns[p.KeyIndex]+" (the key) has no unique index")
		}
	}
	for _, c := range cols {
		if !used[strings.ToLower(c.name)] && c.notNull && !c.hasDflt {
			problems = append(problems, "column "+c.name+" is NOT NULL without a default and not in the format")
		}
	}
	return true, problems, nil
}

func declaredName(d string) string {
	if d == "" {
		return "untyped"
	}
	return d
}

func countPK(cols []sqliteColumn) int {
	n := 0
	for _, c := range cols {
		if c.pk > 0 {
			n++
		}
	}
	return n
}

func (x *sqliteTx) tableInfo(ctx context.Context, table string) ([]sqliteColumn, error) {
	rows, err := x.tx.QueryContext(ctx, `SELECT name, type, "notnull", dflt_value, pk FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []sqliteColumn
	for rows.Next() {
		var c sqliteColumn
		var dflt sql.NullString
		if err := rows.Scan(&c.name, &c.declared, &c.notNull, &dflt, &c.pk); err != nil {
			return nil, err
		}
		c.hasDflt = dflt.Valid
		cols = append(cols, c)
	}
	return cols, rows.Err()
}

// uniqueOn reports whether a unique, non-partial index covers exactly column.
func (x *sqliteTx) uniqueOn(ctx context.Context, table, column string) (bool, error) {
	rows, err := x.tx.QueryContext(ctx, `SELECT name FROM pragma_index_list(?) WHERE "unique" = 1 AND partial = 0`, table)
	if err != nil {
		return false, err
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return false, err
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, n := range names {
		var cols []string
		r, err := x.tx.QueryContext(ctx, `SELECT name FROM pragma_index_info(?)`, n)
		if err != nil {
			return false, err
		}
		for r.Next() {
			var c sql.NullString
			if err := r.Scan(&c); err != nil {
				r.Close()
				return false, err
			}
			cols = append(cols, c.String)
		}
		r.Close()
		if len(cols) == 1 && strings.EqualFold(cols[0], column) {
			return true, nil
		}
	}
	return false, nil
}
