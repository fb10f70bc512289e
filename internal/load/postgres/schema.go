package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load/internal/core"
)

// pgType is the column type a field gets, as format_type names it, and
// the base types (pg_type.typname) an existing column may have instead.
func pgType(t format.Type) (string, []string) {
	switch t {
	case format.Int:
		return "bigint", []string{"int8", "int4", "int2", "numeric"}
	case format.Decimal:
		return "numeric", []string{"numeric"}
	case format.Bool:
		return "boolean", []string{"bool"}
	case format.Date:
		return "date", []string{"date"}
	case format.Datetime:
		return "timestamp with time zone", []string{"timestamptz"}
	case format.Ref:
		return "bigint", []string{"int8", "int4"}
	}
	return "text", []string{"text", "varchar"}
}

// pgStageType is the staging column type: references stay source keys.
func pgStageType(t format.Type) string {
	if t == format.Ref {
		return "text"
	}
	name, _ := pgType(t)
	return name
}

func pgQuote(name string) string { return pgx.Identifier{name}.Sanitize() }

func pgCreateTable(p *core.Mapping) string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + pgQuote(p.Table) + " (" + pgQuote(core.IDColumn) + " bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY")
	for i, f := range p.Entity.Fields {
		name, _ := pgType(f.Type)
		b.WriteString(", " + pgQuote(p.Columns[i]) + " " + name)
		b.WriteString(core.Constraints(p, i))
	}
	b.WriteString(")")
	return b.String()
}

// pgColumn is one column of an existing table.
type pgColumn struct {
	name      string
	formatted string // format_type: "character varying(40)"
	base      string // typname: "varchar"
	notNull   bool
	generated bool // has a default, is an identity or a generated column
}

const pgColumnsQuery = `
SELECT a.attname, format_type(a.atttypid, a.atttypmod), t.typname, a.attnotnull,
       a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> ''
FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum`

const pgUniqueQuery = `
SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
	WHERE i.indrelid = $1 AND i.indisunique AND i.indnkeyatts = 1 AND i.indpred IS NULL AND i.indexprs IS NULL
	AND a.attname = $2)`

// pgTable is what loading needs to know of a target table: how to write
// each field's column, and the id column.
type pgTable struct {
	kinds []colKind // per field
	id    colKind
}

// newPGTable describes the table pgCreateTable creates.
func newPGTable(p *core.Mapping) *pgTable {
	t := &pgTable{id: kindInt8}
	for _, f := range p.Entity.Fields {
		_, accept := pgType(f.Type)
		t.kinds = append(t.kinds, colKind(accept[0]))
	}
	return t
}

// inspect reads an existing table (nil when there is none) and lists how
// it differs from the mapping.
func (x *pgTx) inspect(ctx context.Context, p *core.Mapping) (*pgTable, []string, error) {
	var oid *uint32
	var kind string
	err := x.tx.QueryRow(ctx, "SELECT to_regclass($1)::oid, coalesce((SELECT relkind::text FROM pg_class WHERE oid = to_regclass($1)), '')",
		pgQuote(p.Table)).Scan(&oid, &kind)
	if err != nil || oid == nil {
		return nil, nil, err
	}
	if kind != "r" && kind != "p" {
		return &pgTable{}, []string{"it is not a table"}, nil
	}
	rows, err := x.tx.Query(ctx, pgColumnsQuery, *oid)
	if err != nil {
		return nil, nil, err
	}
	var c pgColumn
	cols, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pgColumn, error) {
		err := r.Scan(&c.name, &c.formatted, &c.base, &c.notNull, &c.generated)
		return c, err
	})
	if err != nil {
		return nil, nil, err
	}
	problems := pgColumnProblems(p, cols)
	var unique bool
	if err := x.tx.QueryRow(ctx, pgUniqueQuery, *oid, p.Columns[p.KeyIndex]).Scan(&unique); err != nil {
		return nil, nil, err
	}
	if !unique && slices.ContainsFunc(cols, func(c pgColumn) bool { return c.name == p.Columns[p.KeyIndex] }) {
		problems = append(problems, "column "+p.Columns[p.KeyIndex]+" (the key) has no unique index")
	}
	t := &pgTable{kinds: make([]colKind, len(p.Columns))}
	for _, c := range cols {
		if c.name == core.IDColumn {
			t.id = colKind(c.base)
		}
		if i := slices.Index(p.Columns, c.name); i >= 0 {
			t.kinds[i] = colKind(c.base)
		}
	}
	return t, problems, nil
}

// pgColumnProblems compares an existing table's columns with the mapping.
func pgColumnProblems(p *core.Mapping, cols []pgColumn) []string {
	byName := map[string]pgColumn{}
	for _, c := range cols {
		byName[c.name] = c
	}
	var problems []string
	if id, ok := byName[core.IDColumn]; !ok {
		problems = append(problems, "column id is missing")
	} else if id.base != "int8" && id.base != "int4" {
		problems = append(problems, fmt.Sprintf("column id is %s, it must be bigint or integer", id.formatted))
	} else if !id.generated {
		problems = append(problems, "column id has no default, it must be generated (identity or serial)")
	}
	used := map[string]bool{core.IDColumn: true}
	for i, f := range p.Entity.Fields {
		name := p.Columns[i]
		used[name] = true
		c, ok := byName[name]
		want, accept := pgType(f.Type)
		switch {
		case !ok:
			problems = append(problems, "column "+name+" is missing")
		case !slices.Contains(accept, c.base):
			problems = append(problems, fmt.Sprintf("column %s is %s, the format needs %s", name, c.formatted, want))
		}
	}
	for _, c := range cols {
		if !used[c.name] && c.notNull && !c.generated {
			problems = append(problems, "column "+c.name+" is NOT NULL without a default and not in the format")
		}
	}
	return problems
}
