// Package engine runs a check or an import: it reads every entity's source,
// applies the recipe, validates against the format, accounts for every row
// (read = filtered + rejected + valid) and hands the valid rows to a target.
// The CLI and the server call the same functions.
package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/files"
	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
)

// Spec is what a run needs of the project: its rules and the hashes over
// them. It holds nothing about where the environments are or how to reach
// them — no DSN, no webhook secret: the engine gets its target as a
// transaction from its caller.
type Spec struct {
	Migration  string
	Customer   string
	Dir        string // the project directory: paths in errors are relative to it
	RecipesDir string // where the recipes' fixture tests are
	Format     *format.Format
	Recipes    map[string]*recipe.Recipe // by entity name
	Lookups    recipe.Lookups
	Fixups     []*fixup.Rule // in the order they run
	Gate       project.Gate
	Hashes     project.Hashes
	Files      project.Files // the bytes the hashes were computed over, archived with a run
}

// SpecOf takes the run's rules from a loaded project, leaving its
// environments and webhooks behind.
func SpecOf(p *project.Project) *Spec {
	return &Spec{Migration: p.Migration, Customer: p.Customer, Dir: p.Dir, RecipesDir: p.RecipesDir,
		Format: p.Format, Recipes: p.Recipes, Lookups: p.Lookups, Fixups: p.Fixups,
		Gate: p.Gate, Hashes: p.Hashes, Files: p.Files}
}

// project is the spec in the shape the fixture tests and the archive read;
// it has no environments and no webhooks.
func (s *Spec) project() *project.Project {
	return &project.Project{Migration: s.Migration, Customer: s.Customer, Dir: s.Dir, RecipesDir: s.RecipesDir,
		Format: s.Format, Recipes: s.Recipes, Lookups: s.Lookups, Fixups: s.Fixups,
		Gate: s.Gate, Hashes: s.Hashes, Files: s.Files}
}

// Options describe one run, apart from the project's rules (Spec) and the
// environment's transaction.
type Options struct {
	Extraction *extract.Extraction
	Env        string
	Run        int
	Artifacts  string // directory for protocol.json, report.html, rejects/
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
	// key and unique indexes spill to disk. 0: none. The CLI passes its
	// --memory (less what the Go runtime does not count), divided by the
	// runs the process executes at once (serve --workers, worker
	// --concurrency).
	Memory int64
	// Archive, when set, is the artifact store the run's inputs (recipes,
	// tests, format, lookups, gate) are archived in; the protocol's
	// hashes.archive names them (handover replay, explain).
	Archive files.Store
}

// execution is one run as the engine's steps see it: the caller's options,
// the spec, the kind and the transaction (nil for a check).
type execution struct {
	Options
	spec *Spec
	kind string // protocol.KindCheck, KindImport, KindDiff or KindFixup
	tx   load.Tx

	reads *extract.Reads // what the run read of Extraction (execute)
}

// ConfigError is a problem of the project's configuration found while
// preparing a run (an expression that does not compile, an unknown column):
// the CLI exits with 2.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// Invalid marks a configuration problem as a problem of the request:
// usecase.IsInvalid reports it.
func (e *ConfigError) Invalid() bool { return true }

// IsConfig reports whether err is a configuration problem.
func IsConfig(err error) bool {
	var ce *ConfigError
	return errors.As(err, &ce)
}

// Check validates the extraction against the spec without a target: every
// row is read, transformed and validated, nothing is loaded.
func Check(ctx context.Context, spec *Spec, o Options) (*Outcome, error) {
	return execute(ctx, &execution{Options: o, spec: spec, kind: protocol.KindCheck})
}

// Import loads the extraction into tx, which the caller commits or rolls
// back once the outcome (the gate) is known.
func Import(ctx context.Context, spec *Spec, tx load.Tx, o Options) (*Outcome, error) {
	if tx == nil {
		return nil, errors.New("import: no environment transaction")
	}
	return execute(ctx, &execution{Options: o, spec: spec, kind: protocol.KindImport, tx: tx})
}

// Diff computes what an import into tx would do; tx writes nothing.
func Diff(ctx context.Context, spec *Spec, tx load.DiffTx, o Options) (*Outcome, error) {
	if tx == nil {
		return nil, errors.New("diff: no environment transaction")
	}
	return execute(ctx, &execution{Options: o, spec: spec, kind: protocol.KindDiff, tx: tx})
}

// Written writes the artifacts of a run that has no transaction to settle
// (a check, or a caller that settled it already) and returns its protocol:
// a failure to write them fails the run. Per-row problems are never errors,
// they are rejects; a returned error means the run failed (the protocol,
// when not nil, says how far it came).
func Written(out *Outcome, runErr error) (*protocol.Protocol, error) {
	return out.written(runErr)
}

// execute executes the run and returns its outcome without writing
// protocol.json and report.html: the caller settles the outcome first
// (commit or roll back) and then calls Outcome.WriteArtifacts once. The
// rejects are written while the rows are read.
func execute(ctx context.Context, o *execution) (*Outcome, error) {
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
			err = relative(err, o.Extraction.Dir, o.spec.Dir)
			return finish(o, p, results, fmt.Errorf("%s %s: %w", o.kind, pl.entity.Name, err))
		}
	}
	if err := measureInputs(ctx, o.reads, prepared, p); err != nil {
		return finish(o, p, results, err)
	}
	if err := runFixups(ctx, o, p); err != nil {
		return finish(o, p, results, err)
	}
	if err := checkAccounting(p, o.tx != nil); err != nil {
		return finish(o, p, results, err)
	}
	addDiffs(o, p)
	p.Gate = evaluateGate(o.spec, p, o.Previous)
	addTestsCheck(o.spec, p)
	p.Warnings = append(p.Warnings, countWarnings(o.spec, p, o.Previous)...)
	return finish(o, p, results, nil)
}

// memoryBudget is the budget of a run: m, 0 (none) when not positive.
// Never the process's soft memory limit: a process executing several runs
// at once (serve, worker) shares it between them, and its caller (app)
// hands each run its share.
func memoryBudget(m int64) int64 { return max(m, 0) }

func newProtocol(o *execution) *protocol.Protocol {
	h := o.spec.Hashes
	return &protocol.Protocol{
		Run: o.Run, Kind: o.kind, Env: o.Env, Extraction: o.Extraction.Number,
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
func references(o *execution) string {
	switch {
	case o.tx == nil && o.kind == protocol.KindCheck:
		return ""
	case o.RefsFromEnvironment:
		return project.ReferencesEnvironment
	}
	return project.ReferencesDelivery
}

// finish sets the final status and returns the outcome.
func finish(o *execution, p *protocol.Protocol, results []*entityResult, runErr error) (*Outcome, error) {
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
	return &Outcome{Protocol: p, migration: o.spec.Migration, customer: o.spec.Customer, results: results}, runErr
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
