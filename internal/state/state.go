// Package state is the state store: runs, approvals and the audit log, in
// SQLite under the project's .handover/ by default or in PostgreSQL.
package state

import (
	"time"

	"github.com/handover/handover/internal/protocol"
)

// Run is one recorded run.
type Run struct {
	Number     int
	Kind       string
	Env        string
	Extraction int
	Status     string
	Started    time.Time
	Finished   time.Time // zero while running
	PID        int       // process that runs it, for detecting interrupted runs
	Artifacts  string    // artifacts directory
	Protocol   *protocol.Protocol // nil until finished
}
