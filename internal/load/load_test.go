package load

import "testing"

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
