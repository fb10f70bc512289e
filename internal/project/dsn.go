package project

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/handover/handover/internal/redact"
)

// Redacted returns the environment's database DSN with every password and
// secret replaced by ***, fit for output, logs and protocols.
func (e *Environment) Redacted() string { return Redact(e.Database) }

// RedactedFiles returns the environment's file store URL with secrets
// replaced by ***.
func (e *Environment) RedactedFiles() string { return Redact(e.Files) }

var keywordDSNRE = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// Redact returns a DSN or store URL with its credentials replaced by ***
// (see redact.DSN).
func Redact(dsn string) string { return redact.DSN(dsn) }

// resolveDatabase checks a database DSN and makes a relative sqlite path
// absolute against dir. Errors show the DSN redacted.
func resolveDatabase(dir, dsn string) (string, error) {
	scheme, rest, isURL := strings.Cut(dsn, "://")
	switch {
	case !isURL && keywordDSNRE.MatchString(dsn):
		if err := checkKeywordDSN(dsn); err != nil {
			return "", err
		}
		return dsn, nil
	case !isURL:
		return "", fmt.Errorf("%q is no database DSN (use sqlite://PATH, postgres://USER@HOST/DB, mysql://USER@HOST/DB or \"host=… dbname=…\")", Redact(dsn))
	}
	switch strings.ToLower(scheme) {
	case "sqlite":
		return resolvePath(dir, "sqlite", rest)
	case "postgres", "postgresql":
		if _, err := url.Parse(dsn); err != nil {
			return "", fmt.Errorf("%q is not a valid postgres:// URL (special characters in the password must be %%-encoded)", Redact(dsn))
		}
		return dsn, nil
	case "mysql", "mariadb":
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%q is not a valid %s:// URL (special characters in the password must be %%-encoded)", Redact(dsn), scheme)
		}
		if strings.Trim(u.Path, "/") == "" {
			return "", fmt.Errorf("%q names no database (use %s://USER:PASSWORD@HOST:3306/DATABASE)", Redact(dsn), scheme)
		}
		return dsn, nil
	default:
		return "", fmt.Errorf("unsupported database scheme %q in %q (use sqlite://, postgres://, postgresql://, mysql:// or mariadb://)", scheme, Redact(dsn))
	}
}

// resolveFiles checks a file store URL and makes a relative dir:// path
// absolute against dir.
func resolveFiles(dir, store string) (string, error) {
	scheme, rest, isURL := strings.Cut(store, "://")
	switch strings.ToLower(scheme) {
	case "dir":
		if isURL {
			return resolvePath(dir, "dir", rest)
		}
	case "s3":
		u, err := url.Parse(store)
		if err != nil {
			return "", fmt.Errorf("%q is not a valid s3:// URL", Redact(store))
		}
		if u.Host == "" {
			return "", fmt.Errorf("%q names no bucket (use s3://BUCKET/PREFIX)", Redact(store))
		}
		return store, nil
	}
	return "", fmt.Errorf("unsupported file store %q (use dir://PATH or s3://BUCKET/PREFIX)", Redact(store))
}

// resolvePath turns "PATH[?QUERY]" into "scheme:///abs/PATH[?QUERY]".
func resolvePath(dir, scheme, rest string) (string, error) {
	path, query, hasQuery := strings.Cut(rest, "?")
	if path == "" {
		return "", fmt.Errorf("%s:// needs a path, e.g. %s://.handover/dev", scheme, scheme)
	}
	if path != ":memory:" && !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	out := scheme + "://" + path
	if hasQuery {
		out += "?" + query
	}
	return out, nil
}

// checkKeywordDSN checks the shape of a libpq "key=value key='v a l'" DSN.
func checkKeywordDSN(dsn string) error {
	s := strings.TrimSpace(dsn)
	for s != "" {
		key, rest, ok := strings.Cut(s, "=")
		key = strings.TrimSpace(key)
		if !ok || key == "" || strings.ContainsAny(key, " \t'") {
			return fmt.Errorf("%q is not a valid key=value connection string", Redact(dsn))
		}
		rest = strings.TrimLeft(rest, " \t")
		if strings.HasPrefix(rest, "'") {
			end := closingQuote(rest)
			if end < 0 {
				return fmt.Errorf("%q has an unterminated quoted value for %s", Redact(dsn), key)
			}
			rest = rest[end+1:]
		} else if i := strings.IndexAny(rest, " \t"); i >= 0 {
			rest = rest[i:]
		} else {
			rest = ""
		}
		s = strings.TrimSpace(rest)
	}
	return nil
}

// closingQuote returns the index of the quote closing s[0], or -1.
func closingQuote(s string) int {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\'':
			return i
		}
	}
	return -1
}
