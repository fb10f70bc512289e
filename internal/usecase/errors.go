package usecase

import (
	"fmt"
	"strings"

	"github.com/handover/handover/internal/protocol"
)

// The errors of the use cases that the front ends tell apart (errors.As).

// InvalidError is a problem of the request or of the project's
// configuration: nothing ran. The command line exits with 2, the server
// answers 400.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }

func (e *InvalidError) Unwrap() error { return e.Err }

// NotFoundError is a request for a run, extraction or step that does not
// exist. The command line exits with 2, the server answers 404.
type NotFoundError struct{ Err error }

func (e *NotFoundError) Error() string { return e.Err.Error() }

func (e *NotFoundError) Unwrap() error { return e.Err }

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

// ClaimError is Execute's error for a queued run that this call does not
// execute: it has finished already (a retried job does nothing), or a
// live worker holds it.
type ClaimError struct {
	Run    int
	Status string
	Holder string // running: who holds its lease
}

func (e *ClaimError) Error() string {
	if e.Finished() {
		return fmt.Sprintf("run %d has finished already (%s)", e.Run, e.Status)
	}
	return fmt.Sprintf("run %d is %s, held by %s", e.Run, e.Status, e.Holder)
}

// Finished reports whether the run has finished: there is nothing to do.
func (e *ClaimError) Finished() bool {
	return e.Status != protocol.StatusRunning && e.Status != StatusQueued && e.Status != protocol.StatusInterrupted
}
