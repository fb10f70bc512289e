package postgres

import (
	"encoding/binary"
	"slices"
	"testing"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// TestNumericEncoding round-trips canonical decimals through the binary
// numeric encoding and PostgreSQL's own text form.
func TestNumericEncoding(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	ctx := loadtest.Context(t)
	target, err := Open(ctx, dsn, load.Options{Env: "numeric"})
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
