package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/handover/handover/internal/load"
)

// runKey names a recorded run in the meta entries; runs sort by number.
func runKey(migration string, run int) string { return fmt.Sprintf("run/%s/%010d", migration, run) }

// recorded is a run as the state holds it.
type recorded struct {
	at        time.Time
	protocol  []byte
	auditHead string
}

// RecordRun records the run in the transaction.
func (x *tx) RecordRun(_ context.Context, r load.RunRecord) error {
	if x.st.runs == nil {
		x.st.runs = map[string]recorded{}
	}
	x.st.runs[runKey(r.Migration, r.Run)] = recorded{at: r.At, protocol: slices.Clone(r.Protocol), auditHead: r.AuditHead}
	return nil
}

// RecordedRun reads a committed run record; nil when there is none.
func (t *target) RecordedRun(_ context.Context, migration string, run int) (*load.RunRecord, error) {
	t.db.mu.Lock()
	defer t.db.mu.Unlock()
	return runRecord(t.db.state, migration, runKey(migration, run)), nil
}

// LatestRun reads the newest committed run record of the migration.
func (t *target) LatestRun(_ context.Context, migration string) (*load.RunRecord, error) {
	t.db.mu.Lock()
	defer t.db.mu.Unlock()
	prefix, latest := "run/"+migration+"/", ""
	for k := range t.db.state.runs {
		if strings.HasPrefix(k, prefix) && k > latest {
			latest = k
		}
	}
	return runRecord(t.db.state, migration, latest), nil
}

func runRecord(st *state, migration, key string) *load.RunRecord {
	r, ok := st.runs[key]
	if !ok {
		return nil
	}
	var n int
	fmt.Sscanf(key[len(key)-10:], "%d", &n)
	return &load.RunRecord{Migration: migration, Run: n, At: r.at, Protocol: slices.Clone(r.protocol), AuditHead: r.auditHead}
}
