package redact

import (
	"strings"
	"testing"
)

func TestDSNHidesEveryForm(t *testing.T) {
	for _, in := range []string{
		"postgres://u:s3cret@h:5432/db?sslmode=disable",
		"postgres://u:s3/cret@h/db",
		"postgres://u:s3@cret@h/db",
		"postgres://h/db?user=u&password=s3cret",
		"host=db user=u password=s3cret dbname=x",
		"host=db password='s3 cret' dbname=x",
		"host=db sslpassword=s3cret",
		"s3://bucket/p?endpoint=h:9000&secret_key=s3cret",
		"s3://bucket/p?token=s3cret",
	} {
		out := DSN(in)
		if strings.Contains(out, "s3cret") || strings.Contains(out, "s3 cret") || !strings.Contains(out, "***") {
			t.Errorf("DSN(%q) = %q", in, out)
		}
		if w := With(in, "xxxxx"); !strings.Contains(w, "xxxxx") || strings.Contains(w, "s3cret") {
			t.Errorf("With(%q, xxxxx) = %q", in, w)
		}
	}
	for _, keep := range []string{"sqlite:///abs/dev.db", "dir://.handover/files", "postgres://u@h/db", ""} {
		if DSN(keep) != keep {
			t.Errorf("DSN(%q) = %q, want it unchanged", keep, DSN(keep))
		}
	}
}

func TestStoreURLHidesTheKeyID(t *testing.T) {
	for in, want := range map[string]string{
		"s3://AKID:s3cret@bucket/p":               "s3://***@bucket/p",
		"s3://AKID@bucket/p":                      "s3://***@bucket/p",
		"s3://bucket/p?endpoint=h:9000&token=abc": "s3://bucket/p?endpoint=h:9000&token=***",
		"dir:///srv/files":                        "dir:///srv/files",
	} {
		if got := StoreURL(in); got != want {
			t.Errorf("StoreURL(%q) = %q, want %q", in, got, want)
		}
	}
}
