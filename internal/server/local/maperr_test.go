package local

import (
	"errors"
	"testing"

	"github.com/handover/handover/internal/engine"
	"github.com/handover/handover/internal/server"
)

// A configuration problem the engine finds while preparing a run (a file
// a recipe reads is missing) is a 400 with its message, not a 500.
func TestMapErrConfigIsInvalid(t *testing.T) {
	err := mapErr(&engine.ConfigError{Err: errors.New(`extraction 2 has no file "firmen.csv"`)})
	if !errors.Is(err, server.ErrInvalid) || err.Error() != `invalid request: extraction 2 has no file "firmen.csv"` {
		t.Fatalf("mapErr(config error) = %v; want server.ErrInvalid naming the file", err)
	}
}
