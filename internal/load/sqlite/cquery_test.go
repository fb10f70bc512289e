package sqlite

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

// TestCQueryReadsAsDatabaseSQL: a row read through the C API gives, in
// canonical text form, what database/sql's Scan into any gives
// (sqliteCanonical), for every storage class and field type; blobs keep
// NULL (nil) apart from empty (not nil); a key and fingerprint read back
// are what was stored.
func TestCQueryReadsAsDatabaseSQL(t *testing.T) {
	values := []string{"NULL", "0", "1", "-42", "9223372036854775807", "1.5", "-0.25", "1e20", "0.1",
		"''", "'ü-text'", "'a' || char(0) || 'b'", "x''", "x'00ff10'", "'" + strings.Repeat("x", 100<<10) + "'"}
	types := []format.Type{format.String, format.Int, format.Bool, format.Decimal, format.Ref}
	ctx := context.Background()
	var got []string
	var nulls, empties int
	db := withCConn(t, func(c *cConn, prep func(string) *cStmt) {
		for i, v := range values {
			ins := prep("INSERT INTO t (k, n, b) VALUES ('k" + string(rune('a'+i)) + "', " + v + ", " + v + ")")
			if _, err := c.exec(ins, nil); err != nil {
				t.Fatal(err)
			}
		}
		var buf []byte
		err := c.query(ctx, prep("SELECT n FROM t ORDER BY k"), nil, func(r cRow) error {
			for _, ty := range types {
				var s string
				s, buf = canonical(r.col(0), ty, buf)
				got = append(got, strings.Clone(s))
			}
			switch b := r.bytes(0); {
			case b == nil:
				nulls++
			case len(b) == 0:
				empties++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	rows, err := db.Query("SELECT n FROM t ORDER BY k")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var want []string
	for rows.Next() {
		var v any
		if err := rows.Scan(&v); err != nil {
			t.Fatal(err)
		}
		for _, ty := range types {
			want = append(want, sqliteCanonical(ty, v))
		}
	}
	if len(got) != len(values)*len(types) || strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("read through the C API:\n%q\nthrough database/sql:\n%q", got, want)
	}
	if nulls != 1 || empties != 2 {
		t.Errorf("%d NULL, %d empty; want 1 and 2", nulls, empties)
	}
}

// TestCQueryStopsOnFnAndContext: fn's error ends the query and is
// returned; a canceled context ends it within cQueryCheck rows; the
// statement runs again afterwards.
func TestCQueryStopsOnFnAndContext(t *testing.T) {
	withCConn(t, func(c *cConn, prep func(string) *cStmt) {
		const n = 3 * cQueryCheck
		q := "WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < " + strconv.Itoa(n) + ") INSERT INTO t (k) SELECT x FROM s"
		if _, err := c.exec(prep(q), nil); err != nil {
			t.Fatal(err)
		}
		s := prep("SELECT k FROM t WHERE n IS ?")
		stop := context.Canceled
		seen := 0
		err := c.query(context.Background(), s, []sqlArg{{}}, func(r cRow) error {
			if seen++; seen == 5 {
				return stop
			}
			return nil
		})
		if err != stop || seen != 5 {
			t.Errorf("fn's error: %v after %d rows", err, seen)
		}
		ctx, cancel := context.WithCancel(context.Background())
		seen = 0
		err = c.query(ctx, s, []sqlArg{{}}, func(r cRow) error { seen++; cancel(); return nil })
		if err != context.Canceled || seen >= cQueryCheck {
			t.Errorf("canceled: %v after %d rows", err, seen)
		}
		seen = 0
		if err := c.query(context.Background(), s, []sqlArg{{}}, func(r cRow) error { seen++; return nil }); err != nil || seen != n {
			t.Errorf("again: %v, %d rows, want %d", err, seen, n)
		}
	})
}

// TestCQueryHoldsTheMutex: the connection's mutex is held while fn runs
// (another thread cannot take it) and given back however the query ends.
func TestCQueryHoldsTheMutex(t *testing.T) {
	withCConn(t, func(c *cConn, prep func(string) *cStmt) {
		if _, err := c.exec(prep("INSERT INTO t (k) VALUES ('a'), ('b')"), nil); err != nil {
			t.Fatal(err)
		}
		_, free := mutexFree(t, c)
		s := prep("SELECT k FROM t")
		stop := errors.New("stop")
		for _, end := range []error{nil, stop} {
			held := 0
			err := c.query(context.Background(), s, nil, func(r cRow) error {
				if !free() {
					held++
				}
				return end
			})
			if err != end || held == 0 {
				t.Errorf("ending with %v: %v, the mutex held in %d calls of fn", end, err, held)
			}
			if !free() {
				t.Errorf("ending with %v: the mutex is still held", end)
			}
		}
	})
}
