// Package protocol is the complete record of a run, as DESIGN.md specifies
// it: what check --json, import --json, diff --json and show RUN --json print.
package protocol

import "time"

// Run kinds.
const (
	KindCheck  = "check"
	KindImport = "import"
	KindDiff   = "diff"
	KindSync   = "sync"
	KindVerify = "verify" // handover files verify: the file store compared with the extraction
	KindFixup  = "fixup"  // handover fixup: the fix-up rules re-run on an environment
)

// Run statuses.
const (
	StatusRunning     = "running"
	StatusSucceeded   = "succeeded"
	StatusFailed      = "failed"
	StatusGateFailed  = "gate_failed"
	StatusInterrupted = "interrupted"
)

// What became of a run's environment transaction (Protocol.Transaction).
const (
	TransactionCommitted  = "committed"
	TransactionRolledBack = "rolled_back"
)

// Protocol is one run's record.
type Protocol struct {
	Run        int    `json:"run"`
	Kind       string `json:"kind"`
	Env        string `json:"env,omitempty"`
	Extraction int    `json:"extraction"`
	Status     string `json:"status"`
	DryRun     bool   `json:"dry_run,omitempty"`
	// Report is the run's report.html relative to its artifacts, set once
	// it was written; empty when it could not be.
	Report string `json:"report,omitempty"`
	// References says where an import resolved ref fields: "delivery"
	// (within the extraction, as check does) or "environment" (also the
	// rows already there); empty for a check.
	References string    `json:"references,omitempty"`
	Started    time.Time `json:"started"`
	Finished   time.Time `json:"finished"`
	Version    string    `json:"version"`
	Hashes     Hashes    `json:"hashes"`
	Entities   []*Entity `json:"entities"`
	Gate       Gate      `json:"gate"`
	Warnings   []string  `json:"warnings,omitempty"`
	Error      string    `json:"error,omitempty"`
	Artifacts  string    `json:"artifacts,omitempty"` // directory of protocol.json, report.html, rejects/
	Forced     string    `json:"forced,omitempty"`    // the --reason of a forced promotion
	// Transaction is what became of the environment's transaction:
	// committed or rolled_back ("" for a run without one: check, files).
	// A gate_failed import is rolled back unless its environment sets
	// on_gate_failure: commit.
	Transaction string `json:"transaction,omitempty"`
	Files       *Files `json:"files,omitempty"` // a file sync's counts
	// Diff is what an import would do, per entity (a diff run only).
	Diff map[string]*EntityDiff `json:"diff,omitempty"`
	// Fixups is what each fix-up rule did, in the order they ran (an
	// import with fix-up rules, a fixup run).
	Fixups []*Fixup `json:"fixups,omitempty"`
	// Outputs proves, per entity, what the run produced (outputs.go).
	Outputs map[string]*Output `json:"outputs,omitempty"`
	// Tests is how the recipes' fixture tests did; nil without tests.
	Tests *Tests `json:"tests,omitempty"`
}

// Files is what a file sync planned and did.
type Files struct {
	Store     string    `json:"store"` // the destination, without credentials
	New       FileCount `json:"new"`
	Changed   FileCount `json:"changed"`
	Unchanged FileCount `json:"unchanged"`
	Extra     FileCount `json:"extra"`
	Uploaded  FileCount `json:"uploaded"`
	Deleted   FileCount `json:"deleted"`
	Failed    []string  `json:"failed,omitempty"` // "path: error"
	Millis    int64     `json:"millis"`
}

// FileCount is a number of files and their bytes.
type FileCount struct {
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
}

// Hashes prove what a run read.
type Hashes struct {
	Recipes string            `json:"recipes"`
	Format  string            `json:"format"`
	Lookups string            `json:"lookups,omitempty"`
	Fixups  string            `json:"fixups,omitempty"` // over the fix-up rules of recipes and handover.yaml
	Inputs  map[string]string `json:"inputs"`
	// Archive is the sha256 of the run's archived inputs (recipes, tests,
	// format, lookups, gate) in the artifact store: handover replay,
	// explain and show --recipes read them back.
	Archive string `json:"archive,omitempty"`
}

// Entity holds one entity's counts. read = filtered + rejected + valid and,
// for an import, valid = inserted + updated + unchanged. Removed and Absent
// count rows of the environment whose key the extraction no longer has (they
// are not rows of the delivery): Removed those the entity's removal policy
// deleted or flagged in this run, Absent those left as they were (policy
// keep, already flagged, or a deletion held back).
type Entity struct {
	Name      string `json:"name"`
	Source    string `json:"source"`
	Read      int64  `json:"read"`
	Filtered  int64  `json:"filtered"`
	Rejected  int64  `json:"rejected"`
	Valid     int64  `json:"valid"`
	Inserted  int64  `json:"inserted"`
	Updated   int64  `json:"updated"`
	Unchanged int64  `json:"unchanged"`
	Removed   int64  `json:"removed"`
	Absent    int64  `json:"absent"`
	// Skipped counts the unchanged rows an import took as unchanged
	// without transforming them: their raw source row is the one the
	// environment's bookkeeping holds (part of unchanged).
	Skipped       int64          `json:"skipped,omitempty"`
	RejectsByRule map[string]int `json:"rejects_by_rule"`
	// Repaired counts changes the reader made to values, by kind
	// ("stray_bom": a byte order mark inside the file removed).
	Repaired map[string]int `json:"repaired,omitempty"`
	Rejects  string         `json:"rejects,omitempty"` // rejects file, relative to the artifacts directory
	Millis   int64          `json:"millis"`
}

// Gate is the quality gate's verdict.
type Gate struct {
	Passed bool    `json:"passed"`
	Checks []Check `json:"checks"`
}

// Check is one gate check with its figure and threshold.
type Check struct {
	Name   string  `json:"name"`
	Entity string  `json:"entity,omitempty"`
	Value  float64 `json:"value"`
	Limit  float64 `json:"limit"`
	Passed bool    `json:"passed"`
}
