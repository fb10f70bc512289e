// Package redact hides credentials in DSNs and store URLs: the one place
// that knows every form a secret takes in them, so that no output, log,
// protocol or report shows one.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

var (
	keywordSecret = regexp.MustCompile(`(?i)\b((?:ssl)?password)(\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)`)
	querySecret   = regexp.MustCompile(`(?i)([?&][^=&]*(?:pass|secret|token|key)[^=&]*=)[^&]*`)
)

// DSN returns a DSN or store URL with its credentials replaced by ***: the
// password of URL user info, query parameters naming a password, secret,
// token or key, and password= / sslpassword= in a key=value (libpq) DSN.
// The rest is kept exactly as written.
func DSN(dsn string) string { return With(dsn, "***") }

// With is DSN with another mask.
func With(dsn, mask string) string {
	lit := strings.ReplaceAll(mask, "$", "$$") // literal in a replacement template
	i := strings.Index(dsn, "://")
	if i < 0 {
		return keywordSecret.ReplaceAllString(dsn, "${1}${2}"+lit)
	}
	head, rest := dsn[:i+3], dsn[i+3:]
	_, err := url.Parse(dsn)
	auth := rest
	if err == nil {
		// A valid URL's authority ends at the first / ? or #.
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			auth = rest[:j]
		}
	}
	// Otherwise the password may hold anything: hide up to the last @.
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		if c := strings.Index(auth[:at], ":"); c >= 0 {
			rest = auth[:c+1] + mask + rest[at:]
		}
	}
	out := querySecret.ReplaceAllString(head+rest, "${1}"+lit)
	if err != nil {
		out = keywordSecret.ReplaceAllString(out, "${1}${2}"+lit)
	}
	return out
}

// StoreURL is DSN for a file store URL, which also hides the user name:
// in s3://KEY:SECRET@bucket the key id is a credential as well.
func StoreURL(raw string) string {
	out := DSN(raw)
	i := strings.Index(out, "://")
	if i < 0 {
		return out
	}
	rest := out[i+3:]
	auth := rest
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		auth = rest[:j]
	}
	if at := strings.LastIndex(auth, "@"); at >= 0 {
		return out[:i+3] + "***" + rest[at:]
	}
	return out
}
