// Package project reads a migration project: handover.yaml, the target
// format, the recipes and the lookup tables, strictly and with every problem
// reported with its file and line.
package project

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/webhook"
)

// Project is a loaded, validated project.
type Project struct {
	Dir          string // absolute project directory
	ConfigPath   string // absolute path of handover.yaml
	Migration    string
	Customer     string
	Cutover      string // YYYY-MM-DD, day J; "" when unset
	Format       *format.Format
	Recipes      map[string]*recipe.Recipe // by entity name; every format entity has one unless it is optional
	Lookups      recipe.Lookups
	Environments map[string]*Environment
	EnvOrder     []string // environment names in file order
	Gate         Gate
	Hashes       Hashes
	Freeze       Freeze            // freeze: the source freeze policy
	Plan         []PlanStep        // plan: changes to the default runbook, in file order
	Webhooks     []webhook.Webhook // notify.webhooks: receivers of events, validated
	PublicURL    string            // notify.public_url: handover serve's address, for links in events; "" when unset
	Fixups       []*fixup.Rule     // fix-up rules of the recipes and handover.yaml, in the order they run
	RecipesDir   string            // absolute directory of the recipes (and their <entity>.test.yaml files)
	Files        Files             // the bytes the hashes were computed over, for archiving a run's inputs
	Portal       Portal            // portal: upload limits of the customer portal
	// Artifacts is the store of the extractions and the runs' artifacts
	// (artifacts: in handover.yaml): dir:///ABS or s3://BUCKET/PREFIX?…;
	// "" is the project's .handover/ directory.
	Artifacts string
}

// Files are the exact bytes of the project files a run uses, as read.
type Files struct {
	Format     []byte
	FormatName string            // the format file, relative to the project directory
	Recipes    map[string][]byte // entity → recipe file bytes
	Lookups    map[string][]byte // table → lookup file bytes
	Gate       []byte            // the gate: section of handover.yaml as YAML; nil when absent
}

// Environment is a named target.
type Environment struct {
	Name      string
	Database  string   // DSN after ${VAR} expansion: sqlite://… (relative paths resolved against Dir), postgres://… or mysql://…
	Files     string   // dir://… or s3://…; relative dir paths resolved against Dir
	Requires  []string // environments that must have passed first
	Approvals []string // roles whose sign-off is needed on the required environment's run
	// Authenticated are the roles of Approvals whose sign-off counts only
	// when an account of the web server gave it (approvals: [{role:
	// customer, authenticated: true}]); one given on the command line is
	// unauthenticated and does not count.
	Authenticated []string

	// OnGateFailure is what becomes of an import whose gate fails:
	// GateFailureRollBack (the default: the environment stays as it was)
	// or GateFailureCommit (the rows are kept for inspection).
	OnGateFailure string

	// References is where an import resolves ref fields:
	// ReferencesDelivery (the default: within the extraction, exactly as
	// check does, so both give the same rejects) or ReferencesEnvironment
	// (also against the keys already in the environment, for deliveries
	// that hold only part of the data).
	References string

	// Declared holds database: and files: as written in handover.yaml,
	// ${VAR} unexpanded (what the audit log records as configuration).
	Declared struct{ Database, Files string }

	// Unresolved is set when Database or Files names a ${VAR} that is not
	// set: the environment cannot be used, but the project loads, so that
	// commands that do not use it work. Project.Environment returns it.
	Unresolved error
}

// UnresolvedError is an environment value whose ${VAR} is not set, with
// the place in handover.yaml that names it.
type UnresolvedError struct {
	File string
	Line int
	What string // environments.prod.database
	Err  error  // *conf.UnsetError
}

func (e *UnresolvedError) Error() string {
	return fmt.Sprintf("%s:%d: %s: %v (set it to use this environment)", e.File, e.Line, e.What, e.Err)
}

func (e *UnresolvedError) Unwrap() error { return e.Err }

// NeedsAuthenticated reports whether a sign-off by role counts for a
// promotion into e only when an account of the web server gave it.
func (e *Environment) NeedsAuthenticated(role string) bool {
	return slices.Contains(e.Authenticated, role)
}

// Environment returns the environment name for a command that uses it: an
// *UnknownEnvironmentError when there is none, the *UnresolvedError when a
// variable it needs is not set.
func (p *Project) Environment(name string) (*Environment, error) {
	env, ok := p.Environments[name]
	if !ok {
		return nil, &UnknownEnvironmentError{Name: name, Config: filepath.Base(p.ConfigPath), Known: p.EnvOrder}
	}
	if env.Unresolved != nil {
		return nil, env.Unresolved
	}
	return env, nil
}

// UnknownEnvironmentError is a command naming an environment the project
// does not declare.
type UnknownEnvironmentError struct {
	Name   string
	Config string
	Known  []string
}

func (e *UnknownEnvironmentError) Error() string {
	known := "none declared"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("no environment %q in %s (environments: %s)", e.Name, e.Config, known)
}

// Values of references: in an environment.
const (
	ReferencesDelivery    = "delivery"
	ReferencesEnvironment = "environment"
)

// Values of on_gate_failure: in an environment.
const (
	GateFailureRollBack = "rollback"
	GateFailureCommit   = "commit"
)

// Gate holds the quality gate thresholds; a nil pointer means the check is off.
type Gate struct {
	MaxRejectRate        *float64       // per entity, rejected/read
	MaxRejectRateOverall *float64       // over all entities
	MinRows              map[string]int // per entity, valid rows
	MaxCountChange       *float64       // relative change of read rows against the previous extraction
	MaxUnresolvedRefs    *int           // per entity, rejects for references that do not resolve (rule ref)
	TestsRequired        bool           // tests: required — the recipes' fixture tests must exist and pass
}

// Freeze is the freeze policy: an import of an extraction after the first
// needs the source frozen ("handover freeze") before it was received.
type Freeze struct {
	Off          bool     // freeze.required: false
	Environments []string // freeze.environments; empty: each environment that requires another and that none requires (prod)
}

// PlanStep is one entry of the plan: list, which re-titles, re-assigns,
// re-dates or removes a default runbook step, or adds one.
type PlanStep struct {
	ID     string
	Title  string
	Owner  string
	Due    string // "J-5", "J", "J+2" or YYYY-MM-DD
	Remove bool
	After  string
	Line   int // line of the entry in handover.yaml
}

// Hashes of the project files, "sha256:<hex>".
type Hashes struct {
	Recipes string // over all recipe files, in entity order
	Format  string
	Lookups string
	Fixups  string // over the fix-up rules; "" when there are none
}
