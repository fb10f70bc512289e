package app

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// runLister lists an environment's runs; Store has it.
type runLister interface {
	Runs(ctx context.Context, env string) ([]*state.Run, error)
}

// onWait is the callback an environment calls while its lock is held by
// another run. PostgreSQL names the holder itself; SQLite and MySQL cannot,
// so the holder is then read from the state store: the environment's other
// running import or fix-up, with its host and start.
func (j *job) onWait(ctx context.Context, self int) func(holder string) {
	if j.lock.OnWait == nil {
		return nil
	}
	return func(holder string) {
		if holder == "" && j.runs != nil && j.env != nil {
			holder = runningHolder(ctx, j.runs, j.env.Name, self)
		}
		j.lock.OnWait(holder)
	}
}

// runningHolder names the newest other run writing into env ("" when the
// state store knows none: the lock is held by something else).
func runningHolder(ctx context.Context, runs runLister, env string, self int) string {
	all, err := runs.Runs(ctx, env)
	if err != nil {
		return ""
	}
	for i := len(all) - 1; i >= 0; i-- {
		r := all[i]
		if r.Number == self || r.Status != protocol.StatusRunning {
			continue
		}
		if r.Kind != protocol.KindImport && r.Kind != protocol.KindFixup {
			continue
		}
		host := r.Host
		if host == "" {
			host = "unknown"
		}
		return fmt.Sprintf("run %d %s, host %s, since %s", r.Number, r.Kind, host, r.Started.UTC().Format("2006-01-02T15:04Z"))
	}
	return ""
}
