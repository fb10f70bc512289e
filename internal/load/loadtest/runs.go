package loadtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
)

// testRunRecords records runs in the import's transaction (RunRecorder)
// and reads them back through the target (RunReader): a committed run is
// found, a rolled back one is not, the newest is the latest.
func testRunRecords(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ctx := Context(t)
	f := testFormat()
	record := func(run int, commit bool) {
		t.Helper()
		tx, end := begin(ctx, t, h, dsn, load.Options{Env: "dev"}, f)
		defer end()
		if _, err := tx.Load(ctx, f.Entities[0], rowsOf(StructureRows())); err != nil {
			t.Fatal(err)
		}
		rr, ok := tx.(load.RunRecorder)
		if !ok {
			t.Fatal("the transaction records no runs (load.RunRecorder)")
		}
		at := time.Date(2026, 12, 6, 10, run, 0, 0, time.UTC)
		if err := rr.RecordRun(ctx, load.RunRecord{Migration: "acme", Run: run, At: at, Protocol: []byte(fmt.Sprintf(`{"run":%d}`, run)), AuditHead: "h"}); err != nil {
			t.Fatal(err)
		}
		if commit {
			if err := tx.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	record(1, true)
	record(2, false)
	target, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	rd, ok := target.(load.RunReader)
	if !ok {
		t.Fatal("the target reads no runs (load.RunReader)")
	}
	got, err := rd.RecordedRun(ctx, "acme", 1)
	if err != nil || got == nil || got.Run != 1 || string(got.Protocol) != `{"run":1}` || got.AuditHead != "h" || !got.At.Equal(time.Date(2026, 12, 6, 10, 1, 0, 0, time.UTC)) {
		t.Fatalf("RecordedRun(1) = %+v, %v", got, err)
	}
	if got, err := rd.RecordedRun(ctx, "acme", 2); got != nil || err != nil {
		t.Errorf("the rolled back run 2 was recorded: %+v, %v", got, err)
	}
	if got, err := rd.RecordedRun(ctx, "other", 1); got != nil || err != nil {
		t.Errorf("another migration's run 1: %+v, %v", got, err)
	}
	record(3, true)
	if got, err := rd.LatestRun(ctx, "acme"); err != nil || got == nil || got.Run != 3 {
		t.Errorf("LatestRun = %+v, %v; want run 3", got, err)
	}
	if got, err := rd.LatestRun(ctx, "acm"); got != nil || err != nil {
		t.Errorf("LatestRun of a migration without runs: %+v, %v", got, err)
	}
}
