package core

import (
	"strings"

	"github.com/handover/handover/internal/load"
)

// redactError hides secrets in the text of an error while keeping it
// inspectable with errors.Is and errors.As.
type redactError struct {
	msg string
	err error
}

func (e *redactError) Error() string { return e.msg }
func (e *redactError) Unwrap() error { return e.err }

// RedactErr returns err with every form of password removed from its
// text, including the literal password when it is known.
func RedactErr(err error, password string) error {
	if err == nil {
		return nil
	}
	msg := load.Redact(err.Error())
	if len(password) >= 3 {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	if msg == err.Error() {
		return err
	}
	return &redactError{msg: msg, err: err}
}
