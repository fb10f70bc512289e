package engine

import "github.com/handover/handover/internal/progress"

// Progress is the counters object a front end draws: the CLI as a bar, the
// server as a stream. It is safe for concurrent use.
type Progress = progress.Progress

// Snapshot is a consistent-enough view of the counters.
type Snapshot = progress.Snapshot
