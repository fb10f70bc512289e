package load

import (
	"regexp"
	"strings"
)

// isPostgresDSN reports whether dsn is a PostgreSQL URL or a libpq
// key=value connection string.
func isPostgresDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	return !strings.Contains(dsn, "://") && kvPair.MatchString(dsn)
}

var (
	kvPair        = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)
	kvPassword    = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s'&]*)`)
	queryPassword = regexp.MustCompile(`(?i)([?&]password=)[^&#\s]*`)
)

// Redact returns dsn with its password replaced by ***: the password of a
// URL's user info, a password= query parameter, or a key=value password.
func Redact(dsn string) string {
	dsn = redactUserinfo(dsn)
	dsn = queryPassword.ReplaceAllString(dsn, "${1}***")
	return kvPassword.ReplaceAllString(dsn, "${1}***")
}

// redactUserinfo replaces the password in scheme://user:password@host.
// The user info ends at the last '@' of the authority; a password that
// breaks URL syntax (an unescaped '/' or '?') still ends at the last '@'.
func redactUserinfo(s string) string {
	i := strings.Index(s, "://")
	if i < 0 {
		return s
	}
	rest := s[i+3:]
	auth := rest
	if j := strings.IndexAny(rest, "/?#"); j >= 0 {
		auth = rest[:j]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		// An unescaped '/', '?' or '#' inside the password.
		at = strings.LastIndex(rest, "@")
	}
	if at < 0 {
		return s
	}
	user, _, hasPW := strings.Cut(rest[:at], ":")
	if !hasPW {
		return s
	}
	return s[:i+3] + user + ":***" + rest[at:]
}

// redactError hides secrets in the text of an error while keeping it
// inspectable with errors.Is and errors.As.
type redactError struct {
	msg string
	err error
}

func (e *redactError) Error() string { return e.msg }
func (e *redactError) Unwrap() error { return e.err }

// redactErr returns err with every form of password removed from its
// text, including the literal password when it is known.
func redactErr(err error, password string) error {
	if err == nil {
		return nil
	}
	msg := Redact(err.Error())
	if len(password) >= 3 {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	if msg == err.Error() {
		return err
	}
	return &redactError{msg: msg, err: err}
}
