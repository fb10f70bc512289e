package load

import (
	"regexp"
	"strings"

	"github.com/handover/handover/internal/redact"
)

// isPostgresDSN reports whether dsn is a PostgreSQL URL or a libpq
// key=value connection string.
func isPostgresDSN(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	return !strings.Contains(dsn, "://") && kvPair.MatchString(dsn)
}

var kvPair = regexp.MustCompile(`^\s*[A-Za-z_]+\s*=`)

// Redact returns dsn with its credentials replaced by *** (see redact.DSN).
func Redact(dsn string) string { return redact.DSN(dsn) }

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
