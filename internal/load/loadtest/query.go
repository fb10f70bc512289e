package loadtest

import (
	"slices"
	"testing"
)

// rowsWhere returns the rows of table that keep holds for (all when nil).
func rowsWhere(t testing.TB, db Inspector, table string, keep func(Row) bool) []Row {
	t.Helper()
	var out []Row
	for _, r := range db.Table(t, table) {
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// keysWhere returns the values of col in the rows keep holds for, sorted.
func keysWhere(t testing.TB, db Inspector, table, col string, keep func(Row) bool) []string {
	t.Helper()
	var out []string
	for _, r := range rowsWhere(t, db, table, keep) {
		out = append(out, r[col])
	}
	slices.Sort(out)
	return out
}

// flagged holds for rows whose removed_at is set.
func flagged(r Row) bool { return r["removed_at"] != "NULL" }

// column returns external_id → value of one column of a table.
func column(t testing.TB, db Inspector, table, col string) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, r := range db.Table(t, table) {
		m[r["external_id"]] = r[col]
	}
	return m
}

// byKey returns the rows of a table by external_id.
func byKey(t testing.TB, db Inspector, table string) map[string]Row {
	t.Helper()
	m := map[string]Row{}
	for _, r := range db.Table(t, table) {
		m[r["external_id"]] = r
	}
	return m
}

// project keeps the columns cols of rows, in order.
func project(rows []Row, cols ...string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		for _, c := range cols {
			out[i] = append(out[i], r[c])
		}
	}
	return out
}
