// Package engine runs a check or an import: it reads every entity's source,
// applies the recipe, validates against the format, accounts for every row
// (read = filtered + rejected + valid) and hands the valid rows to a target.
// The CLI and the server call the same functions.
package engine

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
)

// Options describe one run.
type Options struct {
	Project    *project.Project
	Extraction *extract.Extraction
	Kind       string // protocol.KindCheck, KindImport or KindDiff (Tx a load.DiffTx)
	Env        string
	Run        int
	Artifacts  string  // directory for protocol.json, report.html, rejects/
	Tx         load.Tx // nil for a check
	// RefsFromEnvironment also resolves ref fields against the keys the
	// environment already holds (references: environment); otherwise a
	// reference resolves within the extraction, in an import as in a check.
	RefsFromEnvironment bool
	DryRun              bool
	Version             string
	Workers             int // 0: one per CPU
	Now                 func() time.Time
	Progress            *Progress
	// Previous holds the read counts per entity of the previous extraction
	// (for the max_count_change gate check and warnings); nil when none.
	Previous map[string]int64
	// PreviousExtraction, when set, is compared with Extraction column by
	// column: renamed, moved, added and removed columns are warned about.
	PreviousExtraction *extract.Extraction
	// Memory is the run's memory budget in bytes: past a share of it the
	// key and unique indexes spill to disk. 0: the process's soft memory
	// limit (debug.SetMemoryLimit, which the CLI sets from --memory).
	Memory int64
	// Archive, when set, is the artifact store the run's inputs (recipes,
	// tests, format, lookups, gate) are archived in; the protocol's
	// hashes.archive names them (handover replay, explain).
	Archive files.Store

	reads *extract.Reads // what the run read of Extraction (Execute)
}

// ConfigError is a problem of the project's configuration found while
// preparing a run (an expression that does not compile, an unknown column):
// the CLI exits with 2.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// IsConfig reports whether err is a configuration problem.
func IsConfig(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// Run executes the run, writes its artifacts and returns its protocol. A
// returned error means the run failed (the protocol, when not nil, says how
// far it came); per-row problems are never errors, they are rejects.
func Run(ctx context.Context, o Options) (*protocol.Protocol, error) {
	out, err := Execute(ctx, o)
	return out.written(err)
}

// Execute executes the run and returns its outcome without writing
// protocol.json and report.html: the caller settles the outcome first
// (commit or roll back) and then calls Outcome.WriteArtifacts once. The
// rejects are written while the rows are read.
func Execute(ctx context.Context, o Options) (*Outcome, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	o.reads = o.Extraction.Reads()
	p := newProtocol(o)
	if err := recordInputs(ctx, o, p); err != nil {
		return finish(o, p, nil, err)
	}
	prepared, err := prepare(ctx, o)
	if err != nil {
		return finish(o, p, nil, err)
	}
	defer closePrepared(prepared)
	for _, pl := range prepared {
		p.Warnings = append(p.Warnings, pl.columnChanges...)
		p.Warnings = append(p.Warnings, pl.warnings...)
	}
	st, err := newRunState(memoryBudget(o.Memory))
	if err != nil {
		return finish(o, p, nil, err)
	}
	defer st.close()
	prepareFixups(o)
	var results []*entityResult
	for _, pl := range prepared {
		res, err := runEntity(ctx, o, pl, st)
		if res != nil {
			p.Entities = append(p.Entities, res.counts)
			if res.output != nil {
				p.Outputs[pl.entity.Name] = res.output
			}
			p.Warnings = append(p.Warnings, res.warnings...)
			results = append(results, res)
		}
		if err != nil {
			if rerr := o.reads.Err(); rerr != nil { // the cause: a stored file changed
				err = rerr
			}
			err = relative(err, o.Extraction.Dir, o.Project.Dir)
			return finish(o, p, results, fmt.Errorf("%s %s: %w", o.Kind, pl.entity.Name, err))
		}
	}
	if err := measureInputs(ctx, o.reads, prepared, p); err != nil {
		return finish(o, p, results, err)
	}
	if err := runFixups(ctx, o, p); err != nil {
		return finish(o, p, results, err)
	}
	if err := checkAccounting(p, o.Tx != nil); err != nil {
		return finish(o, p, results, err)
	}
	addDiffs(o, p)
	p.Gate = evaluateGate(o.Project, p, o.Previous)
	addTestsCheck(o.Project, p)
	p.Warnings = append(p.Warnings, countWarnings(o.Project, p, o.Previous)...)
	return finish(o, p, results, nil)
}

// memoryBudget is the budget of a run: m, else the process's soft memory
// limit; 0 when neither is set.
func memoryBudget(m int64) int64 {
	if m > 0 {
		return m
	}
	if l := debug.SetMemoryLimit(-1); l < math.MaxInt64 {
		return l
	}
	return 0
}

func newProtocol(o Options) *protocol.Protocol {
	h := o.Project.Hashes
	return &protocol.Protocol{
		Run: o.Run, Kind: o.Kind, Env: o.Env, Extraction: o.Extraction.Number,
		Status: protocol.StatusRunning, DryRun: o.DryRun, References: references(o),
		Started: o.Now().UTC(), Version: o.Version,
		Hashes:   protocol.Hashes{Recipes: h.Recipes, Format: h.Format, Lookups: h.Lookups, Fixups: h.Fixups, Inputs: map[string]string{}},
		Entities: []*protocol.Entity{}, Outputs: map[string]*protocol.Output{},
		Gate: protocol.Gate{Passed: true, Checks: []protocol.Check{}},
	}
}

// references is where the run resolves ref fields, as the protocol says:
// "environment" when it also looks at the environment's rows, "delivery"
// for other imports, "" for a check (always the delivery).
func references(o Options) string {
	switch {
	case o.Tx == nil && o.Kind == protocol.KindCheck:
		return ""
	case o.RefsFromEnvironment:
		return project.ReferencesEnvironment
	}
	return project.ReferencesDelivery
}

// finish sets the final status and returns the outcome.
func finish(o Options, p *protocol.Protocol, results []*entityResult, runErr error) (*Outcome, error) {
	p.Finished = o.Now().UTC()
	switch {
	case runErr != nil:
		p.Status = protocol.StatusFailed
		p.Error = runErr.Error()
	case !p.Gate.Passed:
		p.Status = protocol.StatusGateFailed
	default:
		p.Status = protocol.StatusSucceeded
	}
	p.Artifacts = o.Artifacts
	return &Outcome{Protocol: p, migration: o.Project.Migration, customer: o.Project.Customer, results: results}, runErr
}

// checkAccounting enforces read = filtered + rejected + valid, and for an
// import valid = inserted + updated + unchanged, for every entity.
func checkAccounting(p *protocol.Protocol, loaded bool) error {
	for _, e := range p.Entities {
		if e.Read != e.Filtered+e.Rejected+e.Valid {
			return fmt.Errorf("accounting broken for %s: read %d != filtered %d + rejected %d + valid %d",
				e.Name, e.Read, e.Filtered, e.Rejected, e.Valid)
		}
		if loaded && e.Valid != e.Inserted+e.Updated+e.Unchanged {
			return fmt.Errorf("accounting broken for %s: valid %d != inserted %d + updated %d + unchanged %d",
				e.Name, e.Valid, e.Inserted, e.Updated, e.Unchanged)
		}
	}
	return nil
}
