package postgres

import "testing"

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
		if got := IsDSN(dsn); got != want {
			t.Errorf("isPostgresDSN(%q) = %v, want %v", dsn, got, want)
		}
	}
}
