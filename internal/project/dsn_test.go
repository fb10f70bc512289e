package project

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://app:s3cret@db.example:5432/acme?sslmode=require", "postgres://app:***@db.example:5432/acme?sslmode=require"},
		{"postgresql://app@db/acme", "postgresql://app@db/acme"},
		{"postgres://db/acme?user=app&password=s3cret&sslmode=disable", "postgres://db/acme?user=app&password=***&sslmode=disable"},
		{"postgres://app:p%40ss@db/acme", "postgres://app:***@db/acme"},
		{"postgres://app:pa ss#1@db/acme", "postgres://app:***@db/acme"}, // not a valid URL: redacted by shape
		{"host=db user=app password=s3cret dbname=acme", "host=db user=app password=*** dbname=acme"},
		{"host=db password = 'it\\'s secret' dbname=acme", "host=db password = *** dbname=acme"},
		{"host=db sslpassword=k dbname=acme", "host=db sslpassword=*** dbname=acme"},
		{"s3://bucket/acme?endpoint=127.0.0.1:9000&access_key=AK&secret_key=SK&secure=false", "s3://bucket/acme?endpoint=127.0.0.1:9000&access_key=***&secret_key=***&secure=false"},
		{"s3://bucket/acme?token=T", "s3://bucket/acme?token=***"},
		{"sqlite:///abs/dev.db", "sqlite:///abs/dev.db"},
		{"dir://.handover/files", "dir://.handover/files"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	e := &Environment{Database: "postgres://u:pw@h/db", Files: "s3://b/p?secret_key=zz"}
	if e.Redacted() != "postgres://u:***@h/db" || e.RedactedFiles() != "s3://b/p?secret_key=***" {
		t.Errorf("Redacted %q, RedactedFiles %q", e.Redacted(), e.RedactedFiles())
	}
}

func TestResolveDatabase(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"sqlite://.handover/dev.db", "sqlite:///p/.handover/dev.db", ""},
		{"sqlite://../shared/x.db?_pragma=busy_timeout(5000)", "sqlite:///shared/x.db?_pragma=busy_timeout(5000)", ""},
		{"sqlite:///abs/x.db", "sqlite:///abs/x.db", ""},
		{"SQLite://x.db", "sqlite:///p/x.db", ""},
		{"sqlite://", "", "sqlite:// needs a path, e.g. sqlite://.handover/dev"},
		{"postgres://u:pw@h:5432/db", "postgres://u:pw@h:5432/db", ""},
		{"postgresql://h/db", "postgresql://h/db", ""},
		{"host=h dbname=acme user=u password='x y'", "host=h dbname=acme user=u password='x y'", ""},
		{"host=h password='unterminated", "", `"host=h password=***" has an unterminated quoted value for password`},
		{"postgres://u:pw@h:port/db", "", `"postgres://u:***@h:port/db" is not a valid postgres:// URL (special characters in the password must be %-encoded)`},
		{"oracle://u:pw@h/db", "", `unsupported database scheme "oracle" in "oracle://u:***@h/db" (use sqlite://, postgres://, postgresql://, mysql:// or mariadb://)`},
		{"mysql://u:pw@h:3306/db", "mysql://u:pw@h:3306/db", ""},
		{"mariadb://u:pw@h", "", `"mariadb://u:***@h" names no database (use mariadb://USER:PASSWORD@HOST:3306/DATABASE)`},
		{"dev.db", "", `"dev.db" is no database DSN (use sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB or "host=… dbname=…")`},
	}
	for _, tt := range tests {
		got, err := resolveDatabase("/p", tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("resolveDatabase(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			if err != nil && strings.Contains(err.Error(), "pw@") {
				t.Errorf("password leaked: %v", err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveDatabase(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestResolveFiles(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"dir://.handover/dev-files", "dir:///p/.handover/dev-files", ""},
		{"dir:///srv/files", "dir:///srv/files", ""},
		{"s3://bucket/acme?endpoint=127.0.0.1:9000&secure=false", "s3://bucket/acme?endpoint=127.0.0.1:9000&secure=false", ""},
		{"s3:///acme", "", `"s3:///acme" names no bucket (use s3://BUCKET/PREFIX)`},
		{"/srv/files", "", `unsupported file store "/srv/files" (use dir://PATH or s3://BUCKET/PREFIX)`},
	}
	for _, tt := range tests {
		got, err := resolveFiles("/p", tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("resolveFiles(%q) error = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolveFiles(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestLoadExpandsVariables(t *testing.T) {
	dir := writeProject(t, map[string]string{"handover.yaml": `migration: ${MIGRATION}
customer: "Pay $$5 ${NOT_BRACED"
environments:
  dev:
    database: sqlite://.handover/dev.db
  preprod:
    database: postgres://app:${PG_PASSWORD}@${PG_HOST}/acme
    files: s3://acme/$${literal}?secret_key=${S3_SECRET}
    requires: [dev]
`})
	// The customer line is broken on purpose: an unterminated ${.
	_, err := Load(dir, env(map[string]string{"MIGRATION": "m", "PG_PASSWORD": "pw", "PG_HOST": "db", "S3_SECRET": "zz"}))
	if err == nil || err.Error() != "handover.yaml:2: customer: unterminated ${ (write $${ for a literal ${)" {
		t.Fatalf("Load = %v, want the unterminated ${ problem", err)
	}
	dir = writeProject(t, map[string]string{"handover.yaml": strings.Replace(
		string(mustRead(t, dir, "handover.yaml")), "${NOT_BRACED", "$${NOT_BRACED}", 1)})
	p, err := Load(dir, env(map[string]string{"MIGRATION": "m", "PG_PASSWORD": "pw", "PG_HOST": "db", "S3_SECRET": "zz"}))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	pre := p.Environments["preprod"]
	checks := []struct{ got, want string }{
		{p.Migration, "m"},
		{p.Customer, "Pay $$5 ${NOT_BRACED}"},
		{pre.Database, "postgres://app:pw@db/acme"},
		{pre.Redacted(), "postgres://app:***@db/acme"},
		{pre.Files, "s3://acme/${literal}?secret_key=zz"},
		{pre.RedactedFiles(), "s3://acme/${literal}?secret_key=***"},
		{strings.Join(p.EnvOrder, ","), "dev,preprod"},
		{strings.Join(pre.Requires, ","), "dev"},
	}
	for i, c := range checks {
		if c.got != c.want {
			t.Errorf("check %d: got %q, want %q", i, c.got, c.want)
		}
	}
}
