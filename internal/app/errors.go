package app

import (
	"fmt"

	"github.com/handover/handover/internal/usecase"
)

type InvalidError = usecase.InvalidError

func invalid(format string, a ...any) error {
	return &InvalidError{Err: fmt.Errorf(format, a...)}
}

type NotFoundError = usecase.NotFoundError

// IsInvalid reports whether err means the request could not be carried
// out as asked: an InvalidError, a NotFoundError, a Refusal or a
// configuration problem the engine found while preparing a run.
func IsInvalid(err error) bool { return usecase.IsInvalid(err) }

type Refusal = usecase.Refusal

// nextAfterRefusal is what a refused import says to do.
const nextAfterRefusal = "do what is listed above, then import again — or override with --force --reason TEXT (written to the audit log)"
