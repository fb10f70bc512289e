package jobs

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// JobKind is the River job kind of a handover run.
const JobKind = "handover_run"

// RunArgs is a queued run: everything a worker needs to execute it. It
// never holds a secret (no DSN): a worker knows its own state store.
type RunArgs struct {
	Migration      string `json:"migration"`          // the project's migration: name, routes the job to a queue
	Project        string `json:"project"`            // the project directory where the run was queued
	Run            int    `json:"run"`                // the run number, assigned when it was queued
	RunKind        string `json:"kind"`               // check, import, sync
	Env            string `json:"env,omitempty"`      // environment (import, sync)
	Extraction     int    `json:"extraction"`         // extraction number, resolved when it was queued
	Actor          string `json:"actor"`              // who queued it
	DryRun         bool   `json:"dry_run,omitempty"`  // import, sync: do everything but commit
	Force          bool   `json:"force,omitempty"`    // import: override the promotion rules
	Reason         string `json:"reason,omitempty"`   // why --force
	Prefix         string `json:"prefix,omitempty"`   // sync: which extraction files
	Delete         bool   `json:"delete,omitempty"`   // sync: remove destination files the extraction lacks
	Parallel       int    `json:"parallel,omitempty"` // sync: concurrent transfers
	TimeoutSeconds int    `json:"timeout,omitempty"`  // this run's time limit; 0: the worker's
}

// Kind is the River job kind.
func (RunArgs) Kind() string { return JobKind }

// Validate reports what makes a run's arguments unusable.
func (a RunArgs) Validate() error {
	switch {
	case strings.TrimSpace(a.Migration) == "":
		return errors.New("run job: no migration")
	case a.Run <= 0:
		return fmt.Errorf("run job: run number %d", a.Run)
	case a.RunKind == "":
		return fmt.Errorf("run job %d: no kind", a.Run)
	}
	return nil
}

// timeout is the run's own timeout, 0 when it has none.
func (a RunArgs) timeout() time.Duration { return time.Duration(a.TimeoutSeconds) * time.Second }

// QueueName is the River queue of a migration's runs: letters, digits and
// underscores (what River accepts, at most 64 characters), with a hash of
// the full name so that two names that read alike never share a queue.
func QueueName(migration string) string {
	var b strings.Builder
	under := true
	for _, r := range strings.ToLower(migration) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			under = false
		case !under:
			b.WriteByte('_')
			under = true
		}
		if b.Len() >= 40 {
			break
		}
	}
	slug := strings.TrimSuffix(b.String(), "_")
	sum := sha256.Sum256([]byte(migration))
	if slug == "" {
		return "run_" + hex.EncodeToString(sum[:4])
	}
	return "run_" + slug + "_" + hex.EncodeToString(sum[:4])
}
