package engine

import (
	"os"
	"strings"
)

// shownError is an error whose message names files relative to a base
// directory (the extraction, the project): what the user knows them by.
// It unwraps to the original error.
type shownError struct {
	msg string
	err error
}

func (e *shownError) Error() string { return e.msg }
func (e *shownError) Unwrap() error { return e.err }

// relative rewrites absolute paths below the given directories in err's
// message into paths relative to them.
func relative(err error, dirs ...string) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, d := range dirs {
		if d != "" {
			msg = strings.ReplaceAll(msg, strings.TrimRight(d, string(os.PathSeparator))+string(os.PathSeparator), "")
		}
	}
	if msg == err.Error() {
		return err
	}
	return &shownError{msg: msg, err: err}
}
