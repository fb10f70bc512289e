package targets

// Benchmarks of the performance targets: loading N generated contacts
// (20 columns, a reference to one of 1000 structures) into a fresh
// database, next to the reference tools loading the same rows as a clean
// CSV into the same table: psql's \copy and the sqlite3 shell's .import.
//
//	HANDOVER_BENCH_ROWS=1000000 HANDOVER_TEST_POSTGRES=postgres://… \
//	  go test ./internal/load -run '^$' -bench . -benchtime 3x
//
// The ratio of the ns/op of the handover and the reference sub-benchmarks
// is the figure the targets name (within 1.5×).

import (
	"context"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/testenv"
)

func benchRows(b *testing.B) int {
	if s := os.Getenv("HANDOVER_BENCH_ROWS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("HANDOVER_BENCH_ROWS=%q is not a positive number", s)
		}
		return n
	}
	return 100_000
}

func BenchmarkLoadPostgres(b *testing.B) {
	n := benchRows(b)
	f := benchFormat()
	b.Run("handover", func(b *testing.B) {
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, testenv.FreshPostgres(b), f)
			pgCheckpoint(b, dsn)
			b.StartTimer()
			start := selfCPU()
			benchImport(b, dsn, f, genContacts(n))
			cpu += selfCPU() - start
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
	b.Run("psql_copy", func(b *testing.B) {
		file := benchCSV(b, n, false)
		cols := strings.Join(columnNames(f.Entities[1]), ", ")
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, testenv.FreshPostgres(b), f)
			pgCheckpoint(b, dsn)
			b.StartTimer()
			cpu += run(b, "psql", dsn, "-v", "ON_ERROR_STOP=1", "-c", `\copy contacts (`+cols+`) from '`+file+`' csv`)
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
}

func BenchmarkLoadSQLite(b *testing.B) {
	n := benchRows(b)
	f := benchFormat()
	b.Run("handover", func(b *testing.B) {
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, "sqlite://"+filepath.Join(b.TempDir(), "env.db"), f)
			b.StartTimer()
			start := selfCPU()
			benchImport(b, dsn, f, genContacts(n))
			cpu += selfCPU() - start
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
	b.Run("sqlite3_import", func(b *testing.B) {
		file := benchCSV(b, n, true)
		var cpu time.Duration
		for range b.N {
			b.StopTimer()
			dsn := benchDatabase(b, "sqlite://"+filepath.Join(b.TempDir(), "env.db"), f)
			b.StartTimer()
			cpu += run(b, "sqlite3", strings.TrimPrefix(dsn, "sqlite://"), "-cmd", "PRAGMA synchronous=NORMAL", ".import --csv "+file+" contacts")
		}
		reportRows(b, n)
		reportCPU(b, cpu)
	})
}

// benchDatabase creates the tables in a new database and loads the
// structures, as a first import would have.
func benchDatabase(b testing.TB, dsn string, f *format.Format) string {
	ctx := context.Background()
	target, err := Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := tx.Load(ctx, f.Entities[0], structureBatches()); err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	return dsn
}

// benchImport is one whole import of the contacts.
func benchImport(b testing.TB, dsn string, f *format.Format, rows load.Batches) load.Counts {
	ctx := context.Background()
	target, err := Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		b.Fatal(err)
	}
	c, err := tx.Load(ctx, f.Entities[1], rows)
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	return c
}

func pgCheckpoint(b testing.TB, dsn string) {
	run(b, "psql", dsn, "-q", "-c", "CHECKPOINT")
}

func reportRows(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// run runs a reference tool and returns the CPU time it used (the
// PostgreSQL server's share is not counted, on either side).
func run(b testing.TB, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		b.Fatalf("%s: %v\n%s", name, err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

// selfCPU is the CPU time this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, cpu time.Duration) {
	b.ReportMetric(cpu.Seconds()*1000/float64(b.N), "cpu-ms/op")
}

// benchCSV writes the generated contacts as the clean file the reference
// tools load: refs as target ids (structure i has id i), with the id
// column first for sqlite3's .import.
func benchCSV(b testing.TB, n int, withID bool) string {
	path := filepath.Join(b.TempDir(), "contacts.csv")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := csv.NewWriter(file)
	g := genContacts(n)
	ref := len(benchFormat().Entities[1].Fields) - 1
	for i := 1; i <= n; i++ {
		vals := g.p.contact(i, "")
		vals[ref] = strconv.Itoa(1 + i%benchStructures) // structure i has id i
		if withID {
			vals = append([]string{strconv.Itoa(i)}, vals...)
		}
		if err := w.Write(vals); err != nil {
			b.Fatal(err)
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		b.Fatal(err)
	}
	if err := file.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

func columnNames(e *format.Entity) []string {
	var cols []string
	for _, f := range e.Fields {
		cols = append(cols, f.Column)
	}
	return cols
}
