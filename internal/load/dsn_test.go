package load

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestRedact(t *testing.T) {
	cases := []struct{ in, want string }{
		{"postgres://user:secret@host:5432/db?sslmode=disable", "postgres://user:***@host:5432/db?sslmode=disable"},
		{"postgresql://user:p%40ss@host/db", "postgresql://user:***@host/db"},
		{"postgres://user:pa/ss@host/db", "postgres://user:***@host/db"},
		{"postgres://user:p@ss@host/db", "postgres://user:***@host/db"},
		{"postgres://user@host/db", "postgres://user@host/db"},
		{"postgres://user:secret@host/db?application_name=a@b", "postgres://user:***@host/db?application_name=a@b"},
		{"postgres://host/db?user=u&password=secret&sslmode=disable", "postgres://host/db?user=u&password=***&sslmode=disable"},
		{"host=localhost user=u password=secret dbname=x", "host=localhost user=u password=*** dbname=x"},
		{"host=localhost password='se cret' dbname=x", "host=localhost password=*** dbname=x"},
		{"host=localhost PASSWORD = secret", "host=localhost PASSWORD = ***"},
		{"sqlite:///tmp/x.db", "sqlite:///tmp/x.db"},
		{"", ""},
	}
	for _, c := range cases {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsPostgresDSN(t *testing.T) {
	cases := map[string]bool{
		"postgres://h/db":   true,
		"postgresql://h/db": true,
		"host=h dbname=x":   true,
		" user=u":           true,
		"sqlite://x.db":     false,
		"mysql://u@h/db":    false,
		"/tmp/x.db":         false,
		"file:x.db?mode=ro": false,
	}
	for dsn, want := range cases {
		if got := isPostgresDSN(dsn); got != want {
			t.Errorf("isPostgresDSN(%q) = %v, want %v", dsn, got, want)
		}
	}
}

// TestOpenErrorsHideThePassword opens databases that cannot be reached or
// read; no error may contain the password.
func TestOpenErrorsHideThePassword(t *testing.T) {
	const pw = "topsecret-42"
	cases := []struct{ dsn, want string }{
		{"postgres://u:" + pw + "@127.0.0.1:1/db?connect_timeout=5", "open database postgres://u:***@127.0.0.1:1/db"},
		{"postgres://u:" + pw + "@host:notaport/db", "open database "},
		{"postgres://h/db?password=" + pw + "&port=1&connect_timeout=5", "open database postgres://h/db?password=***"},
		{"host=127.0.0.1 port=1 user=u password=" + pw + " dbname=x connect_timeout=5", "open database host=127.0.0.1 port=1 user=u password=***"},
		{"mysql://u:" + pw + "@h/db", "unsupported kind of database"},
		{"sqlite://", "the path is empty"},
	}
	for _, c := range cases {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		target, err := Open(ctx, c.dsn, Options{Env: "dev"})
		cancel()
		if err == nil {
			target.Close()
			t.Errorf("Open(%s) succeeded", Redact(c.dsn))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error contains the password: %v", err)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %q does not contain %q", err, c.want)
		}
	}
}
