package targets

// BenchmarkDelta measures the delta target: N generated contacts imported
// into a fresh database (full), then a diff of a second extraction of the
// same rows with 1 % of them changed, then the import of that extraction
// (delta). The timer covers the delta import only (ns/op); the figures
// are reported as wall seconds (full-s, diff-s, delta-s), CPU seconds of
// handover and of the PostgreSQL backend together (…-cpu-s: the figure to
// trust on a shared machine), and the ratios full/delta.
//
//	HANDOVER_BENCH_ROWS=1000000 HANDOVER_TEST_POSTGRES=postgres://… \
//	  go test ./internal/load -run '^$' -bench Delta -benchtime 1x

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/testenv"
)

func BenchmarkDelta(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchDelta(b, func() string { return "sqlite://" + filepath.Join(b.TempDir(), "env.db") }, false)
	})
	b.Run("postgres", func(b *testing.B) {
		benchDelta(b, func() string { return testenv.FreshPostgres(b) }, true)
	})
}

// changedEvery changes the first name of every 100th record.
type changedEvery struct {
	rows load.Batches
}

func (c changedEvery) Next(ctx context.Context) ([]load.Record, error) {
	b, err := c.rows.Next(ctx)
	for i := range b {
		if b[i].Line%100 == 0 {
			b[i].Values[1] += " (changed)"
		}
	}
	return b, err
}

func benchDelta(b *testing.B, fresh func() string, pg bool) {
	n := benchRows(b)
	f := benchFormat()
	var full, diff, delta benchRun
	b.StopTimer()
	for range b.N {
		dsn := benchDatabase(b, fresh(), f)
		if pg {
			pgCheckpoint(b, dsn)
		}
		r := benchSweepImport(b, dsn, f, genContacts(n), false)
		if r.counts.Inserted != int64(n) {
			b.Fatalf("full import: %+v", r.counts)
		}
		full.add(r)
		if pg {
			pgCheckpoint(b, dsn)
		}
		diff.add(benchSweepImport(b, dsn, f, changedEvery{genContacts(n)}, true))
		b.StartTimer()
		r = benchSweepImport(b, dsn, f, changedEvery{genContacts(n)}, false)
		b.StopTimer()
		delta.add(r)
		if want := (load.Counts{Updated: int64(n / 100), Unchanged: int64(n - n/100)}); r.counts != want {
			b.Fatalf("delta import: %+v, want %+v", r.counts, want)
		}
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	for _, m := range []struct {
		name string
		r    benchRun
	}{{"full", full}, {"diff", diff}, {"delta", delta}} {
		b.ReportMetric(per(m.r.wall), m.name+"-s")
		b.ReportMetric(per(m.r.client+m.r.server), m.name+"-cpu-s")
	}
	b.ReportMetric(full.wall.Seconds()/delta.wall.Seconds(), "full/delta")
	b.ReportMetric((full.client+full.server).Seconds()/(delta.client+delta.server).Seconds(), "full/delta-cpu")
}

// benchRun is what one import or diff took: wall time, CPU time of this
// process and of the PostgreSQL backend (0 for SQLite).
type benchRun struct {
	counts               load.Counts
	wall, client, server time.Duration
}

func (r *benchRun) add(o benchRun) {
	r.wall += o.wall
	r.client += o.client
	r.server += o.server
}

// benchSweepImport imports (or diffs) the contacts the way the engine
// does: Load, then Sweep, then Commit (or Rollback).
func benchSweepImport(b testing.TB, dsn string, f *format.Format, rows load.Batches, diff bool) benchRun {
	ctx := context.Background()
	start, cpu := time.Now(), selfCPU()
	target, err := Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	var tx load.Tx
	if diff {
		tx, err = load.BeginDiff(ctx, target, f)
	} else {
		tx, err = target.Begin(ctx, f)
	}
	if err != nil {
		b.Fatal(err)
	}
	c, err := tx.Load(ctx, f.Entities[1], rows)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.(load.Sweeper).Sweep(ctx, f.Entities[1], load.Seen{}); err != nil {
		b.Fatal(err)
	}
	if diff {
		err = tx.Rollback(ctx)
	} else {
		err = tx.Commit(ctx)
	}
	if err != nil {
		b.Fatal(err)
	}
	r := benchRun{counts: c, wall: time.Since(start), client: selfCPU() - cpu}
	if pid := backendPID(target); pid != 0 {
		r.server = backendCPU(b, int(pid))
	}
	return r
}

// backendCPU is the CPU time a (local) PostgreSQL backend used so far.
func backendCPU(b testing.TB, pid int) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0 // not a local server: no figure
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// backendPID is the process id of a PostgreSQL target's server backend,
// 0 for other targets.
func backendPID(t load.Target) uint32 {
	if b, ok := t.(interface{ BackendPID() uint32 }); ok {
		return b.BackendPID()
	}
	return 0
}
