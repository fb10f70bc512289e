package app

import (
	"errors"
	"fmt"
	"strings"

	"github.com/handover/handover/internal/engine"
)

// InvalidError is a problem of the request or of the project's
// configuration: nothing ran. The command line exits with 2, the server
// answers 400.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

func invalid(format string, a ...any) error {
	return &InvalidError{Err: fmt.Errorf(format, a...)}
}

// NotFoundError is a request for a run, extraction or step that does not
// exist. The command line exits with 2, the server answers 404.
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }
func (e *NotFoundError) Unwrap() error { return e.Err }

// IsInvalid reports whether err means the request could not be carried
// out as asked: an InvalidError, a NotFoundError, a Refusal or a
// configuration problem the engine found while preparing a run.
func IsInvalid(err error) bool {
	var ie *InvalidError
	var nf *NotFoundError
	var r *Refusal
	return errors.As(err, &ie) || errors.As(err, &nf) || errors.As(err, &r) || engine.IsConfig(err)
}

// Refusal is a promotion refused: the import did not start. Missing lists
// what the rules lack, one sentence each; Next says what to do.
type Refusal struct {
	Env        string
	Extraction int
	Missing    []string
	Evidence   []string // what was found
	// Runs are the runs of required environments the refusal names (a
	// failed gate of the extraction being promoted), newest first.
	Runs []int
	Next string
}

func (r *Refusal) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s refused:", r.what())
	for _, m := range r.Missing {
		b.WriteString("\n  " + m)
	}
	b.WriteString("\nnext: " + r.Next)
	return b.String()
}

func (r *Refusal) what() string {
	return fmt.Sprintf("import into %s, extraction %d", r.Env, r.Extraction)
}

// nextAfterRefusal is what a refused import says to do.
const nextAfterRefusal = "do what is listed above, then import again — or override with --force --reason TEXT (written to the audit log)"
