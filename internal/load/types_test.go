package load

import (
	"encoding/binary"
	"slices"
	"testing"

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
		h := sqliteHarness()
		dsn := h.fresh(t)
		importAll(t, dsn, structureRows(), contactRows())
		db := h.inspect(t, dsn)
		got := db.rows(t, `SELECT external_id, coalesce(birth_date, 'NULL') || ' ' || typeof(birth_date),
			coalesce(created_at, 'NULL') || ' ' || typeof(created_at), coalesce(score, 'NULL') || ' ' || typeof(score),
			coalesce(balance, 'NULL') || ' ' || typeof(balance), coalesce(vip, 'NULL') || ' ' || typeof(vip), category
			FROM contacts ORDER BY 1`)
		compareRows(t, got, storedContacts["sqlite"])
		types := db.rows(t, `SELECT name, type FROM pragma_table_info('contacts') ORDER BY cid`)
		want := [][]string{{"id", "INTEGER"}, {"external_id", "TEXT"}, {"last_name", "TEXT"}, {"email", "TEXT"}, {"birth_date", "TEXT"},
			{"created_at", "TEXT"}, {"score", "INTEGER"}, {"balance", "TEXT"}, {"vip", "INTEGER"}, {"category", "TEXT"}, {"structure_id", "INTEGER"}}
		compareRows(t, types, want)
	})
	for _, path := range []string{"direct", "merge"} {
		t.Run("postgres "+path, func(t *testing.T) {
			h := pgHarness()
			dsn := h.fresh(t)
			if path == "merge" { // one contact known: the load merges
				importAll(t, dsn, structureRows(), contactRows()[1:2])
			}
			importAll(t, dsn, structureRows(), contactRows())
			db := h.inspect(t, dsn)
			db.exec(t, "SET timezone = 'UTC'")
			got := db.rows(t, `SELECT external_id, birth_date, created_at, score, balance, vip, category FROM contacts ORDER BY 1`)
			compareRows(t, got, storedContacts["postgres"])
			types := db.rows(t, `SELECT column_name, data_type, is_nullable FROM information_schema.columns
				WHERE table_name = 'contacts' ORDER BY ordinal_position`)
			want := [][]string{{"id", "bigint", "NO"}, {"external_id", "text", "NO"}, {"last_name", "text", "YES"}, {"email", "text", "YES"},
				{"birth_date", "date", "YES"}, {"created_at", "timestamp with time zone", "YES"}, {"score", "bigint", "YES"},
				{"balance", "numeric", "YES"}, {"vip", "boolean", "YES"}, {"category", "text", "YES"}, {"structure_id", "bigint", "YES"}}
			compareRows(t, types, want)
		})
	}
}

func compareRows(t *testing.T, got, want [][]string) {
	t.Helper()
	if !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// TestNumericEncoding round-trips canonical decimals through the binary
// numeric encoding and PostgreSQL's own text form.
func TestNumericEncoding(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	ctx := testCtx(t)
	target, err := Open(ctx, dsn, Options{Env: "numeric"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	conn := target.(*pgTarget).conn
	values := []string{"0", "0.00", "-0.01", "1", "-1", "10000", "9999", "12345678", "123456789", "0.0001", "0.00001",
		"0.000000012", "1234.5", "1234.50", "100000000.00000001", "-99999999999999999999.99", "3.14159265358979323846264338327950288",
		"1000000000000000000000000000000", "0.1000", "70000.0007"}
	if _, err := conn.Exec(ctx, "CREATE TEMP TABLE n (i bigint, v numeric)"); err != nil {
		t.Fatal(err)
	}
	i := 0
	next := func(buf []byte) ([]byte, bool, error) {
		if i == len(values) {
			return buf, false, nil
		}
		buf = binary.BigEndian.AppendUint16(buf, 2)
		buf, _ = appendInt(buf, kindInt8, int64(i))
		buf, ok := appendDecimal(buf, values[i])
		if !ok {
			t.Fatalf("%s is not a canonical decimal", values[i])
		}
		i++
		return buf, true, nil
	}
	if _, err := conn.PgConn().CopyFrom(ctx, &copyStream{next: next}, "COPY n (i, v) FROM STDIN (FORMAT binary)"); err != nil {
		t.Fatal(err)
	}
	for i, v := range values {
		var text string
		var equal bool
		if err := conn.QueryRow(ctx, "SELECT v::text, v = $1::numeric FROM n WHERE i = $2", v, i).Scan(&text, &equal); err != nil {
			t.Fatal(err)
		}
		if text != v || !equal {
			t.Errorf("%s is stored as %s (equal %v)", v, text, equal)
		}
	}
}

func TestAppendNumericShape(t *testing.T) {
	cases := []struct {
		in   string
		want []uint16 // ndigits, weight, sign, dscale, digits…
	}{
		{"0", []uint16{0, 0, 0, 0}},
		{"-0.00", []uint16{0, 0, 0, 2}},
		{"12345.6", []uint16{3, 1, 0, 1, 1, 2345, 6000}},
		{"-0.0001", []uint16{1, 0xffff, 0x4000, 4, 1}},
		{"100000000", []uint16{1, 2, 0, 0, 1}},
	}
	for _, c := range cases {
		b := appendNumeric(nil, c.in)
		var got []uint16
		for i := 0; i+1 < len(b); i += 2 {
			got = append(got, uint16(b[i])<<8|uint16(b[i+1]))
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("appendNumeric(%s) = %v, want %v", c.in, got, c.want)
		}
	}
}
