package loadtest

import (
	"database/sql"
	"strings"
	"testing"
)

// SQLInspector is the inspector of an SQL database, which also runs SQL
// (backend tests check how values are stored; the crash tests snapshot
// the tables).
type SQLInspector interface {
	Inspector
	Rows(t testing.TB, q string) [][]string // every value as text, NULL as "NULL"
	Exec(t testing.TB, q string)
}

// orderOf is the ORDER BY of a table's rows.
func orderOf(table string) string {
	switch table {
	case "handover_rows":
		return "entity, " + "key"
	case "handover_meta":
		return "name"
	}
	return "id"
}

// createTable is the CREATE TABLE of a table with the id column idDDL and
// the column types of types.
func createTable(table, idDDL string, types map[ColumnType]string, cols []Column) string {
	defs := []string{"id " + idDDL}
	for _, c := range cols {
		d := c.Name + " " + types[c.Type]
		if c.NotNull {
			d += " NOT NULL"
		}
		if c.Default != "" {
			d += " DEFAULT '" + strings.ReplaceAll(c.Default, "'", "''") + "'"
		}
		defs = append(defs, d)
	}
	return "CREATE TABLE " + table + " (" + strings.Join(defs, ", ") + ")"
}

// namedRows pairs the values of rows with their column names.
func namedRows(cols []string, rows [][]string) []Row {
	out := make([]Row, len(rows))
	for i, r := range rows {
		out[i] = Row{}
		for j, c := range cols {
			out[i][c] = r[j]
		}
	}
	return out
}

// SQLTable runs a query through database/sql and returns its rows by
// column name.
func SQLTable(t testing.TB, db *sql.DB, q string) []Row {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	cols, err := rows.Columns()
	rows.Close()
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return namedRows(cols, SQLRows(t, db, q))
}
