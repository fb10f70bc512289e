package targets

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
	"github.com/handover/handover/internal/testenv"
)

// TestCompareReference measures the performance targets on a shared
// machine: rounds of a handover import and of the reference tool, taking
// turns, each into a fresh database, reporting wall time and CPU time of
// the client and (PostgreSQL) of the server backend, minimum and median.
//
//	HANDOVER_BENCH_COMPARE=1 HANDOVER_BENCH_ROWS=1000000 HANDOVER_BENCH_ROUNDS=3 \
//	HANDOVER_TEST_POSTGRES=postgres://… go test ./internal/load -run CompareReference -v -timeout 30m
func TestCompareReference(t *testing.T) {
	if os.Getenv("HANDOVER_BENCH_COMPARE") != "1" {
		t.Skip("set HANDOVER_BENCH_COMPARE=1 to measure against psql and sqlite3")
	}
	n := envInt(t, "HANDOVER_BENCH_ROWS", 100_000)
	rounds := envInt(t, "HANDOVER_BENCH_ROUNDS", 3)
	f := benchFormat()
	t.Run("postgres", func(t *testing.T) {
		file := benchCSV(t, n, false)
		cols := strings.Join(columnNames(f.Entities[1]), ", ")
		var ours, ref []sample
		for range rounds {
			ours = append(ours, pgHandoverSample(t, n))
			ref = append(ref, psqlSample(t, `\copy contacts (`+cols+`) from '`+file+`' csv`))
		}
		report(t, "postgres", n, ours, ref, "psql \\copy")
	})
	t.Run("sqlite", func(t *testing.T) {
		file := benchCSV(t, n, true)
		var ours, ref []sample
		for range rounds {
			ours = append(ours, sqliteHandoverSample(t, n))
			ref = append(ref, sqlite3Sample(t, file))
		}
		report(t, "sqlite", n, ours, ref, "sqlite3 .import")
	})
}

// materialize generates the contacts before the clock starts, as the
// reference tools get their file ready-made.
func materialize(n int) load.Batches {
	g := genContacts(n)
	var rs []load.Record
	for {
		b, err := g.Next(context.Background())
		if err != nil {
			break
		}
		rs = append(rs, b...)
	}
	runtime.GC()
	return &loadtest.SliceBatches{Rows: rs, N: 1000}
}

type sample struct {
	wall, client, server time.Duration
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		t.Fatalf("%s=%q is not a positive number", name, s)
	}
	return n
}

// prepared returns a fresh database with the tables and the structures.
func prepared(t *testing.T, dsn string) string { return benchDatabase(t, dsn, benchFormat()) }

func pgHandoverSample(t *testing.T, n int) sample {
	dsn := prepared(t, testenv.FreshPostgres(t))
	psqlRun(t, dsn, "CHECKPOINT")
	ctx := context.Background()
	f := benchFormat()
	target, err := Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	pid := backendPID(target)
	rows := materialize(n)
	server0, self0, start := procCPU(t, int(pid)), selfCPU(), time.Now()
	importContacts(t, target, f, rows, load.Counts{Inserted: int64(n)})
	return sample{wall: time.Since(start), client: selfCPU() - self0, server: procCPU(t, int(pid)) - server0}
}

func sqliteHandoverSample(t *testing.T, n int) sample {
	dsn := prepared(t, "sqlite://"+filepath.Join(t.TempDir(), "env.db"))
	ctx := context.Background()
	rows := materialize(n)
	self0, start := selfCPU(), time.Now()
	target, err := Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		t.Fatal(err)
	}
	importContacts(t, target, benchFormat(), rows, load.Counts{Inserted: int64(n)})
	if err := target.Close(); err != nil {
		t.Fatal(err)
	}
	return sample{wall: time.Since(start), client: selfCPU() - self0}
}

func importContacts(t *testing.T, target load.Target, f *format.Format, rows load.Batches, want load.Counts) {
	ctx := context.Background()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tx.Load(ctx, f.Entities[1], rows)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if c != want {
		t.Fatalf("counts %+v, want %+v", c, want)
	}
}

// psqlSample runs one psql command in a fresh database and measures psql
// and its server backend.
func psqlSample(t *testing.T, command string) sample {
	dsn := prepared(t, testenv.FreshPostgres(t))
	psqlRun(t, dsn, "CHECKPOINT")
	cmd := exec.Command("psql", dsn, "-qAt", "-v", "ON_ERROR_STOP=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	out := bufio.NewReader(stdout)
	fmt.Fprintln(stdin, "SELECT pg_backend_pid();")
	pid, err := strconv.Atoi(strings.TrimSpace(readLine(t, out)))
	if err != nil {
		t.Fatal(err)
	}
	server0, start := procCPU(t, pid), time.Now()
	fmt.Fprintln(stdin, command)
	fmt.Fprintln(stdin, `\echo done`)
	for readLine(t, out) != "done" {
	}
	s := sample{wall: time.Since(start), server: procCPU(t, pid) - server0}
	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
	s.client = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	return s
}

func readLine(t *testing.T, r *bufio.Reader) string {
	line, err := r.ReadString('\n')
	if err != nil && err != io.EOF {
		t.Fatal(err)
	}
	return strings.TrimSpace(line)
}

func psqlRun(t *testing.T, dsn, q string) {
	if out, err := exec.Command("psql", dsn, "-qc", q).CombinedOutput(); err != nil {
		t.Fatalf("psql %s: %v\n%s", q, err, out)
	}
}

func sqlite3Sample(t *testing.T, file string) sample {
	dsn := prepared(t, "sqlite://"+filepath.Join(t.TempDir(), "env.db"))
	cmd := exec.Command("sqlite3", strings.TrimPrefix(dsn, "sqlite://"), "-cmd", "PRAGMA synchronous=NORMAL", ".import --csv "+file+" contacts")
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v\n%s", err, out)
	}
	return sample{wall: time.Since(start), client: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
}

// procCPU is the CPU time process pid used so far (from /proc, in ticks
// of 10ms).
func procCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatalf("CPU time of the server backend (is the server local?): %v", err)
	}
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

func report(t *testing.T, what string, n int, ours, ref []sample, refName string) {
	stat := func(ss []sample, get func(sample) time.Duration) (time.Duration, time.Duration) {
		v := make([]time.Duration, len(ss))
		for i, s := range ss {
			v[i] = get(s)
		}
		slices.Sort(v)
		return v[0], v[len(v)/2]
	}
	line := func(name string, ss []sample) {
		wmin, wmed := stat(ss, func(s sample) time.Duration { return s.wall })
		cmin, _ := stat(ss, func(s sample) time.Duration { return s.client })
		smin, _ := stat(ss, func(s sample) time.Duration { return s.server })
		tmin, _ := stat(ss, func(s sample) time.Duration { return s.client + s.server })
		t.Logf("%-16s wall min %6.2fs median %6.2fs (%7.0f rows/s)  cpu: client %6.2fs server %6.2fs total %6.2fs",
			name, wmin.Seconds(), wmed.Seconds(), float64(n)/wmin.Seconds(), cmin.Seconds(), smin.Seconds(), tmin.Seconds())
	}
	t.Logf("%s, %d contacts, %d rounds", what, n, len(ours))
	line("handover", ours)
	line(refName, ref)
	wo, _ := stat(ours, func(s sample) time.Duration { return s.wall })
	wr, _ := stat(ref, func(s sample) time.Duration { return s.wall })
	co, _ := stat(ours, func(s sample) time.Duration { return s.client + s.server })
	cr, _ := stat(ref, func(s sample) time.Duration { return s.client + s.server })
	t.Logf("ratio handover / %s: wall %.2f×, cpu %.2f×", refName, wo.Seconds()/wr.Seconds(), co.Seconds()/cr.Seconds())
}
