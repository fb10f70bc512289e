package postgres

import (
	"context"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load"
)

// TestParseErrorNamesTheDSNOnce: a DSN pgx cannot parse is named once,
// redacted, without pgx's backticked repetition (no stray backtick).
func TestParseErrorNamesTheDSNOnce(t *testing.T) {
	_, err := Open(context.Background(), "postgres://alice:Pa55word!@127.0.0.1:1/db?sslmode=bogus", load.Options{})
	want := "open database postgres://alice:***@127.0.0.1:1/db?sslmode=bogus: failed to configure TLS (sslmode is invalid)"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v\nwant  %s", err, want)
	}
	if err != nil && (strings.Contains(err.Error(), "`") || strings.Contains(err.Error(), "Pa55word")) {
		t.Errorf("err = %v", err)
	}
}
