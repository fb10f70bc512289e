package state

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/testenv"
)

func TestSQLite(t *testing.T) {
	testStore(t, func(t *testing.T) string {
		return "sqlite://" + filepath.Join(t.TempDir(), ".handover", "state.db")
	})
}

// TestPostgres runs the suite with each test in a fresh schema named by the
// DSN's search_path.
func TestPostgres(t *testing.T) {
	base := testenv.Postgres(t)
	testStore(t, func(t *testing.T) string {
		schema := "ht_" + randomHex(t)
		t.Cleanup(func() { pgExec(t, base, "DROP SCHEMA IF EXISTS "+schema+" CASCADE") })
		u, err := url.Parse(base)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	})
}

// TestPostgresDefaultSchema checks that a DSN without search_path keeps the
// tables in the handover_state schema, created on first open.
func TestPostgresDefaultSchema(t *testing.T) {
	dsn := testenv.FreshPostgres(t)
	s := openStore(t, dsn)
	if _, err := s.BeginRun(context.Background(), NewRun{Kind: "check", Extraction: 1}); err != nil {
		t.Fatal(err)
	}
	var n int
	err := s.db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_schema = 'handover_state' AND table_name IN ('runs', 'approvals', 'audit', 'facts', 'outbox', 'schema_migrations')`).Scan(&n)
	if err != nil || n != 6 {
		t.Errorf("handover_state holds %d of the 6 tables (%v)", n, err)
	}
}

func pgExec(t *testing.T, dsn, stmt string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func randomHex(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// openStore opens dsn for migration "acme" with a clock stopped at t0.
func openStore(t *testing.T, dsn string) *Store {
	t.Helper()
	return openWith(t, dsn, Options{Migration: "acme", Now: func() time.Time { return t0 }})
}

func openWith(t *testing.T, dsn string, opts Options) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// rawStore connects to dsn without creating any table, for tests that
// build an old schema by hand.
func rawStore(t *testing.T, dsn string) *Store {
	t.Helper()
	s := newStore(Options{Migration: "acme"})
	var err error
	if strings.HasPrefix(dsn, "sqlite://") {
		s.db, err = openSQLite(strings.TrimPrefix(dsn, "sqlite://"), false)
	} else {
		s.postgres = true
		s.db, s.schema, err = openPostgres(dsn)
		if err == nil {
			_, err = s.db.Exec(`CREATE SCHEMA ` + pgx.Identifier{s.schema}.Sanitize())
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.db.Close() })
	return s
}

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://u:secret@db:5432/x?sslmode=disable", "postgres://u:***@db:5432/x?sslmode=disable"},
		{"postgresql://u@db/x?password=secret&sslmode=require", "postgresql://u@db/x?password=***&sslmode=require"},
		{"postgres://db/x", "postgres://db/x"},
		{"sqlite:///abs/state.db", "sqlite:///abs/state.db"},
		{"postgres://u:sec ret@%zz", "postgres://(unparsable, hidden)"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOpenErrorsHidePassword(t *testing.T) {
	tests := []struct{ dsn, want string }{
		{"postgres://alice:Pa55word!@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", "open state store postgres://alice:***@127.0.0.1:1/db"},
		{"postgresql://alice@127.0.0.1:1/db?password=Pa55word!&sslmode=disable&connect_timeout=2", "password=***"},
		{"postgres://alice:Pa55word!@127.0.0.1:1/db?sslmode=bogus", "open state store postgres://alice:***@127.0.0.1:1/db?sslmode=bogus: failed to configure TLS (sslmode is invalid)"},
		{"mysql://alice:Pa55word!@host/db", "unsupported state store"},
		{"sqlite://", "no database file named"},
	}
	for _, tt := range tests {
		_, err := Open(context.Background(), tt.dsn, Options{})
		if err == nil {
			t.Fatalf("Open(%s) succeeded", RedactDSN(tt.dsn))
		}
		if strings.Contains(err.Error(), "Pa55word") || strings.Count(err.Error(), "open state store") != 1 {
			t.Errorf("error shows the password: %v", err)
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error %q does not contain %q", err, tt.want)
		}
	}
}

func TestSchemaVersionError(t *testing.T) {
	err := error(&SchemaVersionError{Found: 7, Known: 1})
	var sv *SchemaVersionError
	if !errors.As(err, &sv) || !strings.Contains(err.Error(), "version 7") || !strings.Contains(err.Error(), "upgrade handover") {
		t.Errorf("unexpected %v", err)
	}
}

func TestRebind(t *testing.T) {
	pg := &Store{postgres: true}
	if got := pg.q(`UPDATE runs SET a = ?, b = ? WHERE c = ?`); got != `UPDATE runs SET a = $1, b = $2 WHERE c = $3` {
		t.Errorf("q = %s", got)
	}
	lite := &Store{}
	if got := lite.q(`a = ?`); got != `a = ?` {
		t.Errorf("q = %s", got)
	}
}

// A libpq key=value DSN parses as a URL path: its password must still be
// hidden (it was shown in clear before the redaction was shared).
func TestRedactDSNKeywordForm(t *testing.T) {
	if got := RedactDSN("host=db user=u password=s3cret dbname=x"); strings.Contains(got, "s3cret") {
		t.Errorf("RedactDSN shows the password: %q", got)
	}
}

func TestLoadAuditKey(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "audit.key")
	short := filepath.Join(dir, "short.key")
	if err := os.WriteFile(good, []byte("  0123456789abcdef-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(short, []byte("tiny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		env       map[string]string
		want, err string
	}{
		{"none", nil, "", ""},
		{"from the variable", map[string]string{"HANDOVER_AUDIT_KEY": "0123456789abcdef"}, "0123456789abcdef", ""},
		{"from a file, trimmed", map[string]string{"HANDOVER_AUDIT_KEY_FILE": good}, "0123456789abcdef-secret", ""},
		{"both", map[string]string{"HANDOVER_AUDIT_KEY": "0123456789abcdef", "HANDOVER_AUDIT_KEY_FILE": good}, "", "not both"},
		{"short variable", map[string]string{"HANDOVER_AUDIT_KEY": "tiny-key"}, "", "has 8 bytes, want at least 16"},
		{"short file", map[string]string{"HANDOVER_AUDIT_KEY_FILE": short}, "", "holds 4 bytes, want at least 16"},
		{"missing file", map[string]string{"HANDOVER_AUDIT_KEY_FILE": filepath.Join(dir, "nope")}, "", "read HANDOVER_AUDIT_KEY_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key, err := LoadAuditKey(func(k string) string { return tt.env[k] })
			switch {
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Errorf("err = %v, want %q", err, tt.err)
			case tt.err == "" && (err != nil || string(key) != tt.want):
				t.Errorf("key = %q, %v; want %q", key, err, tt.want)
			case err != nil && (strings.Contains(err.Error(), "tiny") || strings.Contains(err.Error(), "0123456789abcdef")):
				t.Errorf("the error shows the key: %v", err)
			}
		})
	}
}
