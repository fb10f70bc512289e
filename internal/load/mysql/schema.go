package mysql

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load/internal/core"
)

// maxKeyLength is the length of a key column (VARCHAR), in characters.
const maxKeyLength = 255

// maxUniqueLength is the length of a unique text field's column (VARCHAR),
// in characters: the longest a UNIQUE index on utf8mb4 takes (3,072
// bytes). MySQL indexes no whole LONGTEXT, and a prefix index would take
// two values that share their first characters for the same.
const maxUniqueLength = 768

// maxScale is the most digits after the point a DECIMAL holds.
const maxScale = 30

func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// columnType is the column type a field gets in a created table.
func columnType(f *format.Field, key bool) string {
	switch f.Type {
	case format.Int, format.Ref:
		return "BIGINT"
	case format.Bool:
		return "BOOLEAN"
	case format.Date:
		return "DATE"
	case format.Datetime:
		return "DATETIME(6)"
	case format.Decimal:
		return fmt.Sprintf("DECIMAL(65,%d)", scale(f))
	}
	switch {
	case key:
		return fmt.Sprintf("VARCHAR(%d)", maxKeyLength)
	case f.Unique:
		return fmt.Sprintf("VARCHAR(%d)", maxUniqueLength)
	}
	return "LONGTEXT"
}

// scale is a decimal field's scale in the database: its own, else the most
// MySQL holds.
func scale(f *format.Field) int {
	if f.Scale >= 0 && f.Scale <= maxScale {
		return f.Scale
	}
	return maxScale
}

// compatible lists the data types (information_schema) an existing column
// may have for a field of type t.
func compatible(t format.Type) []string {
	switch t {
	case format.Int, format.Ref:
		return []string{"bigint", "int"}
	case format.Bool:
		return []string{"tinyint"}
	case format.Date:
		return []string{"date"}
	case format.Datetime:
		return []string{"datetime", "timestamp"}
	case format.Decimal:
		return []string{"decimal"}
	}
	return []string{"varchar", "char", "text", "mediumtext", "longtext", "tinytext"}
}

// createTable is the CREATE TABLE of p: a generated id, a column per
// field, a unique index on the key, UNIQUE and NOT NULL where the format
// asks for them (core.Constraints).
func createTable(p *core.Mapping) string {
	defs := []string{quote(core.IDColumn) + " BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"}
	for i, f := range p.Entity.Fields {
		d := quote(p.Columns[i]) + " " + columnType(f, i == p.KeyIndex)
		if i == p.KeyIndex {
			d += " NOT NULL"
		} else {
			d += core.Constraints(p, i)
		}
		defs = append(defs, d)
	}
	defs = append(defs, "UNIQUE KEY "+quote("handover_key")+" ("+quote(p.Columns[p.KeyIndex])+")")
	return "CREATE TABLE " + quote(p.Table) + " (" + strings.Join(defs, ", ") + ")" + tableOptions
}

// column is a column of an existing table.
type column struct {
	name, dataType, extra string
	notNull, hasDefault   bool
}

func findColumn(cols []column, name string) (column, bool) {
	for _, c := range cols {
		if strings.EqualFold(c.name, name) {
			return c, true
		}
	}
	return column{}, false
}

// tableColumns returns the columns of a table of the database, none when
// it does not exist.
func (x *tx) tableColumns(ctx context.Context, table string) ([]column, error) {
	const q = `SELECT COLUMN_NAME, DATA_TYPE, IS_NULLABLE = 'NO', COLUMN_DEFAULT IS NOT NULL, EXTRA
		FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`
	rows, err := x.conn.QueryContext(ctx, q, table)
	if err != nil {
		return nil, x.t.fail("inspect table "+table, err)
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var c column
		if err := rows.Scan(&c.name, &c.dataType, &c.notNull, &c.hasDefault, &c.extra); err != nil {
			return nil, x.t.fail("inspect table "+table, err)
		}
		c.dataType = strings.ToLower(c.dataType)
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		return nil, x.t.fail("inspect table "+table, err)
	}
	return cols, nil
}

// uniqueOn reports whether a unique index covers exactly column.
func (x *tx) uniqueOn(ctx context.Context, table, col string) (bool, error) {
	const q = `SELECT count(*) FROM (SELECT INDEX_NAME FROM information_schema.STATISTICS
		WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND NON_UNIQUE = 0
		GROUP BY INDEX_NAME HAVING count(*) = 1 AND max(COLUMN_NAME) = ?) u`
	var n int
	if err := x.conn.QueryRowContext(ctx, q, table, col).Scan(&n); err != nil {
		return false, x.t.fail("inspect indexes of "+table, err)
	}
	return n > 0, nil
}

// columnProblems lists how an existing table's columns differ from what p
// needs.
func columnProblems(p *core.Mapping, cols []column, keyUnique bool) []string {
	var problems []string
	id, ok := findColumn(cols, core.IDColumn)
	switch {
	case !ok:
		problems = append(problems, "column id is missing")
	case !slices.Contains([]string{"bigint", "int"}, id.dataType):
		problems = append(problems, fmt.Sprintf("column id is %s, it must be bigint or int", id.dataType))
	case !strings.Contains(strings.ToLower(id.extra), "auto_increment"):
		problems = append(problems, "column id is not AUTO_INCREMENT")
	}
	used := map[string]bool{strings.ToLower(core.IDColumn): true, core.RemovedAtColumn: true}
	for i, f := range p.Entity.Fields {
		name := p.Columns[i]
		used[strings.ToLower(name)] = true
		c, ok := findColumn(cols, name)
		switch {
		case !ok:
			problems = append(problems, "column "+name+" is missing")
		case !slices.Contains(compatible(f.Type), c.dataType):
			problems = append(problems, fmt.Sprintf("column %s is %s, the format needs %s", name, c.dataType, columnType(f, i == p.KeyIndex)))
		}
	}
	if !keyUnique {
		problems = append(problems, "column "+p.Columns[p.KeyIndex]+" (the key) has no unique index")
	}
	for _, c := range cols {
		if !used[strings.ToLower(c.name)] && c.notNull && !c.hasDefault && !strings.Contains(strings.ToLower(c.extra), "auto_increment") {
			problems = append(problems, "column "+c.name+" is NOT NULL without a default and not in the format")
		}
	}
	return problems
}
