package targets

import (
	"slices"
	"testing"

	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// storedContacts are contactRows as each backend stores them, read as text.
var storedContacts = map[string][][]string{
	"postgres": {
		{"C1", "1980-02-01", "2024-01-02 03:04:05+00", "42", "1234.50", "t", "VIP"},
		{"C2", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"C3", "1999-12-31", "2023-06-30 23:59:59+00", "-7", "-0.01", "f", "REGULAR"},
		{"C4", "2000-02-29", "2020-02-29 12:00:00+00", "0", "99999999999999999999.99", "t", "REGULAR"},
	},
	"mysql": {
		{"C1", "1980-02-01", "2024-01-02 03:04:05.000000", "42", "1234.50", "1", "VIP"},
		{"C2", "NULL", "NULL", "NULL", "NULL", "NULL", "NULL"},
		{"C3", "1999-12-31", "2023-06-30 23:59:59.000000", "-7", "-0.01", "0", "REGULAR"},
		{"C4", "2000-02-29", "2020-02-29 12:00:00.000000", "0", "99999999999999999999.99", "1", "REGULAR"},
	},
	"sqlite": {
		{"C1", "1980-02-01 text", "2024-01-02T03:04:05Z text", "42 integer", "1234.50 text", "1 integer", "VIP"},
		{"C2", "NULL null", "NULL null", "NULL null", "NULL null", "NULL null", "NULL"},
		{"C3", "1999-12-31 text", "2023-06-30T23:59:59Z text", "-7 integer", "-0.01 text", "0 integer", "REGULAR"},
		{"C4", "2000-02-29 text", "2020-02-29T12:00:00Z text", "0 integer", "99999999999999999999.99 text", "1 integer", "REGULAR"},
	},
}

// TestStoredTypes loads contacts through both PostgreSQL paths (the first
// import copies directly, a later one merges) and SQLite and reads back
// how every type was stored.
func TestStoredTypes(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		h := loadtest.SQLite(Open)
		dsn := h.Fresh(t)
		loadtest.ImportAll(t, h, dsn, loadtest.StructureRows(), loadtest.ContactRows())
		db := h.Inspect(t, dsn).(loadtest.SQLInspector)
		got := db.Rows(t, `SELECT external_id, coalesce(birth_date, 'NULL') || ' ' || typeof(birth_date),
			coalesce(created_at, 'NULL') || ' ' || typeof(created_at), coalesce(score, 'NULL') || ' ' || typeof(score),
			coalesce(balance, 'NULL') || ' ' || typeof(balance), coalesce(vip, 'NULL') || ' ' || typeof(vip), category
			FROM contacts ORDER BY 1`)
		compareRows(t, got, storedContacts["sqlite"])
		types := db.Rows(t, `SELECT name, type FROM pragma_table_info('contacts') ORDER BY cid`)
		want := [][]string{{"id", "INTEGER"}, {"external_id", "TEXT"}, {"last_name", "TEXT"}, {"email", "TEXT"}, {"birth_date", "TEXT"},
			{"created_at", "TEXT"}, {"score", "INTEGER"}, {"balance", "TEXT"}, {"vip", "INTEGER"}, {"category", "TEXT"}, {"structure_id", "INTEGER"}}
		compareRows(t, types, want)
	})
	for _, path := range []string{"direct", "merge"} {
		t.Run("postgres "+path, func(t *testing.T) {
			h := loadtest.Postgres(Open)
			dsn := h.Fresh(t)
			if path == "merge" { // one contact known: the load merges
				loadtest.ImportAll(t, h, dsn, loadtest.StructureRows(), loadtest.ContactRows()[1:2])
			}
			loadtest.ImportAll(t, h, dsn, loadtest.StructureRows(), loadtest.ContactRows())
			db := h.Inspect(t, dsn).(loadtest.SQLInspector)
			db.Exec(t, "SET timezone = 'UTC'")
			got := db.Rows(t, `SELECT external_id, birth_date, created_at, score, balance, vip, category FROM contacts ORDER BY 1`)
			compareRows(t, got, storedContacts["postgres"])
			types := db.Rows(t, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
				WHERE table_name = 'contacts' ORDER BY ordinal_position`)
			want := [][]string{{"id", "bigint", "NO"}, {"external_id", "text", "NO"}, {"last_name", "text", "YES"}, {"email", "text", "YES"},
				{"birth_date", "date", "YES"}, {"created_at", "timestamp with time zone", "YES"}, {"score", "bigint", "YES"},
				{"balance", "numeric", "YES"}, {"vip", "boolean", "YES"}, {"category", "text", "YES"}, {"structure_id", "bigint", "YES"}}
			compareRows(t, types, want)
		})
	}
}

// TestStoredTypesMySQL reads back how MySQL / MariaDB stored every type.
func TestStoredTypesMySQL(t *testing.T) {
	testenv.MySQL(t)
	h := loadtest.MySQL(Open)
	dsn := h.Fresh(t)
	loadtest.ImportAll(t, h, dsn, loadtest.StructureRows(), loadtest.ContactRows())
	db := h.Inspect(t, dsn).(loadtest.SQLInspector)
	got := db.Rows(t, `SELECT external_id, birth_date, created_at, score, balance, vip, category FROM contacts ORDER BY 1`)
	compareRows(t, got, storedContacts["mysql"])
	types := db.Rows(t, `SELECT column_name, column_type, is_nullable FROM information_schema.columns
		WHERE table_schema = DATABASE() AND table_name = 'contacts' ORDER BY ordinal_position`)
	want := [][]string{{"id", "bigint(20)", "NO"}, {"external_id", "varchar(255)", "NO"}, {"last_name", "longtext", "YES"},
		{"email", "longtext", "YES"}, {"birth_date", "date", "YES"}, {"created_at", "datetime(6)", "YES"}, {"score", "bigint(20)", "YES"},
		{"balance", "decimal(65,2)", "YES"}, {"vip", "tinyint(1)", "YES"}, {"category", "longtext", "YES"}, {"structure_id", "bigint(20)", "YES"}}
	for _, r := range types { // MySQL 8 writes no display widths
		if r[1] == "bigint" {
			r[1] = "bigint(20)"
		}
	}
	compareRows(t, types, want)
}

func compareRows(t *testing.T, got, want [][]string) {
	t.Helper()
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}
