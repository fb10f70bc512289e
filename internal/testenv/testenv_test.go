package testenv

import (
	"fmt"
	"testing"
)

// fakeTB records Skip and Fatal; both stop the caller by panicking, as the
// real ones stop the goroutine.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

type stop struct{}

func (f *fakeTB) Helper()                   {}
func (f *fakeTB) Skip(args ...any)          { f.skipped = fmt.Sprint(args...); panic(stop{}) }
func (f *fakeTB) Fatal(args ...any)         { f.fatal = fmt.Sprint(args...); panic(stop{}) }
func (f *fakeTB) Fatalf(s string, a ...any) { f.fatal = fmt.Sprintf(s, a...); panic(stop{}) }

func call(f *fakeTB, fn func(testing.TB) string) (got string) {
	defer func() {
		if r := recover(); r != nil && r != (stop{}) {
			panic(r)
		}
	}()
	return fn(f)
}

func TestGate(t *testing.T) {
	tests := []struct {
		name             string
		fn               func(testing.TB) string
		variable, value  string
		disallow         string
		want, skip, fail string
	}{
		{"postgres set", Postgres, PostgresVar, "postgres://x", "", "postgres://x", "", ""},
		{"postgres unset skips", Postgres, PostgresVar, "", "", "", "HANDOVER_TEST_POSTGRES not set: skipping PostgreSQL tests", ""},
		{"postgres unset fails in CI", Postgres, PostgresVar, "", "1", "", "", "HANDOVER_TEST_POSTGRES not set: skipping PostgreSQL tests"},
		{"s3 set", S3, S3Var, "http://127.0.0.1:9000", "1", "http://127.0.0.1:9000", "", ""},
		{"s3 unset skips", S3, S3Var, "", "0", "", "HANDOVER_TEST_S3 not set: skipping S3 tests", ""},
		{"s3 unset fails in CI", S3, S3Var, "", "1", "", "", "HANDOVER_TEST_S3 not set: skipping S3 tests"},
		{"mysql unset skips", MySQL, MySQLVar, "", "", "", "HANDOVER_TEST_MYSQL not set: skipping MySQL/MariaDB tests", ""},
		{"mysql unset fails in CI", MySQL, MySQLVar, "", "1", "", "", "HANDOVER_TEST_MYSQL not set: skipping MySQL/MariaDB tests"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(tt.variable, tt.value)
			t.Setenv(DisallowSkipVar, tt.disallow)
			f := &fakeTB{TB: t}
			got := call(f, tt.fn)
			if got != tt.want || f.skipped != tt.skip || f.fatal != tt.fail {
				t.Errorf("got %q, skipped %q, failed %q; want %q, %q, %q", got, f.skipped, f.fatal, tt.want, tt.skip, tt.fail)
			}
		})
	}
}

func TestFreshPostgres(t *testing.T) {
	var name string
	t.Run("create", func(t *testing.T) {
		u := FreshPostgres(t)
		name = u
		admin(t, u, "CREATE TABLE t (x int)")
	})
	if name == "" {
		return
	}
	f := &fakeTB{TB: t}
	call(f, func(tb testing.TB) string { admin(tb, name, "SELECT 1"); return "" })
	if f.fatal == "" {
		t.Errorf("database %s still exists after its test ended", name)
	}
}

func TestFreshMySQL(t *testing.T) {
	var dsn string
	t.Run("create", func(t *testing.T) {
		dsn = FreshMySQL(t)
		mysqlAdmin(t, dsn, "CREATE TABLE t (x int)")
	})
	if dsn == "" {
		return
	}
	f := &fakeTB{TB: t}
	call(f, func(tb testing.TB) string { mysqlAdmin(tb, dsn, "SELECT * FROM t"); return "" })
	if f.fatal == "" {
		t.Errorf("database of %s still exists after its test ended", dsn)
	}
}
