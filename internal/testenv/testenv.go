// Package testenv gates integration tests on the servers named by
// environment variables, the way the whole project does it: a test that
// needs a server skips when its variable is unset, unless
// HANDOVER_TEST_DISALLOW_SKIP=1 (CI), which turns the skip into a failure.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Environment variables read by this package.
const (
	PostgresVar     = "HANDOVER_TEST_POSTGRES"      // e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable
	S3Var           = "HANDOVER_TEST_S3"            // the S3 endpoint URL for file store tests
	DisallowSkipVar = "HANDOVER_TEST_DISALLOW_SKIP" // "1": a missing server fails the test
)

// Postgres returns the PostgreSQL URL from HANDOVER_TEST_POSTGRES, or skips
// (fails under HANDOVER_TEST_DISALLOW_SKIP=1) when it is unset.
func Postgres(t testing.TB) string {
	t.Helper()
	return need(t, PostgresVar, "PostgreSQL")
}

// S3 returns the S3 URL from HANDOVER_TEST_S3, or skips (fails under
// HANDOVER_TEST_DISALLOW_SKIP=1) when it is unset.
func S3(t testing.TB) string {
	t.Helper()
	return need(t, S3Var, "S3")
}

func need(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := name + " not set: skipping " + what + " tests"
	if os.Getenv(DisallowSkipVar) == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// FreshPostgres creates a uniquely named, empty database (ht_<random>) on
// the HANDOVER_TEST_POSTGRES server, drops it when the test ends, and
// returns its URL (the server's URL with the database replaced).
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := Postgres(t)
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s must be a postgres:// URL", PostgresVar)
	}
	name := "ht_" + randomHex(t)
	admin(t, base, "CREATE DATABASE "+name)
	t.Cleanup(func() { admin(t, base, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	u.Path = "/" + name
	return u.String()
}

// admin runs one statement on the server's own database.
func admin(t testing.TB, dsn, stmt string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect to %s: %v", PostgresVar, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, stmt); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

func randomHex(t testing.TB) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
