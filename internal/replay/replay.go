// Package replay re-executes a past run from its archived inputs (recipes,
// format, lookups, gate) and its stored extraction, and compares what it
// produces with what the run recorded: the sha256 of every entity's valid
// rows and rejects file. It also lists what changed between two runs. The
// re-execution itself, which needs the engine, is in package replay/rerun;
// this package holds the request and the results, for the front ends.
package replay

import (
	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// Request names the run to replay.
type Request struct {
	Run        *protocol.Protocol // the run's protocol, with its outputs
	Artifacts  string             // the run's artifacts directory (rejects, row digests)
	Project    *project.Project   // the run's inputs, restored (archive.Materialize)
	Extraction *extract.Extraction
	Scratch    string // an empty directory for the replay's own artifacts
	Workers    int    // 0: one per CPU
	// Memory is the replay's memory budget in bytes (engine.Options.Memory),
	// as a check's: past shares of it its key indexes spill to disk. 0: none.
	Memory  int64
	Version string
}

// Result is the comparison.
type Result struct {
	Run       int       `json:"run"`
	Identical bool      `json:"identical"`
	Entities  []Entity  `json:"entities"`
	First     *Mismatch `json:"first_difference,omitempty"`
}

// Entity is one entity's comparison.
type Entity struct {
	Name      string           `json:"name"`
	Recorded  *protocol.Output `json:"recorded"`
	Replayed  *protocol.Output `json:"replayed"`
	Identical bool             `json:"identical"`
}

// Mismatch is the first difference found.
type Mismatch struct {
	Entity string `json:"entity"`
	Output string `json:"output"` // "valid" or "rejects"
	Line   int    `json:"line"`   // the source line of the first row that differs; 0 when unknown
	Detail string `json:"detail"`
}
