package engine

// BenchmarkFixup measures what reference fix-up adds to an import: the
// same delivery of N contacts (HANDOVER_BENCH_ROWS, default 100,000; every
// row's notes link another contact in the old CRM) imported into a fresh
// environment without and with one fix-up rule on the notes. The figure
// the target names (at most +30 % at 1M rows) is the overhead_% metric:
// the pass's time against the import without it (diff_% is the
// difference of the two imports, noisier on a shared machine).
//
//	HANDOVER_BENCH_ROWS=1000000 HANDOVER_TEST_POSTGRES=postgres://… \
//	  go test ./internal/engine -run '^$' -bench Fixup -benchtime 1x
//
// HANDOVER_BENCH_LINK_EVERY=n puts a link in every n-th row only (default 1).
// HANDOVER_BENCH_FIXUP_ONLY=with (or without) runs only the imports with
// (or without) the rule: a CPU profile of each, for pprof -diff_base.
//
// With HANDOVER_BENCH_RESULTS=FILE every pair of imports is appended to
// FILE as two samples of bench/measure's shape (scenario fixup-sqlite or
// fixup-postgres, tools handover and handover-fixup, run
// HANDOVER_BENCH_RUN + the iteration): what `bench/run.sh --fixup` reports.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/testenv"
)

func BenchmarkFixup(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) {
		benchFixup(b, func(b *testing.B) string { return "sqlite://" + filepath.Join(b.TempDir(), "env.db") })
	})
	b.Run("postgres", func(b *testing.B) {
		testenv.Postgres(b)
		benchFixup(b, func(b *testing.B) string { return testenv.FreshPostgres(b) })
	})
}

func benchFixup(b *testing.B, fresh func(*testing.B) string) {
	rows := benchRows()
	every := 1
	if n, err := strconv.Atoi(os.Getenv("HANDOVER_BENCH_LINK_EVERY")); err == nil && n > 0 {
		every = n
	}
	p, x := fixupBenchProject(b, rows, every)
	rules := p.Fixups
	var without, with, pass time.Duration
	firstRun, _ := strconv.Atoi(os.Getenv("HANDOVER_BENCH_RUN"))
	b.ResetTimer()
	only := os.Getenv("HANDOVER_BENCH_FIXUP_ONLY")
	for i := range b.N {
		p.Fixups = nil
		if only != "with" {
			dsn := fresh(b) // creating the database is not the import's time
			plain := startSample(b, "handover", rows, firstRun+i)
			benchImportProto(b, p, x, dsn, i, nil, plain.server(dsn))
			without += plain.stop(b)
		}
		if only == "without" {
			continue
		}
		p.Fixups = rules
		dsn := fresh(b)
		fixed := startSample(b, "handover-fixup", rows, firstRun+i)
		proto := benchImportProto(b, p, x, dsn, i, &pass, fixed.server(dsn))
		with += fixed.stop(b)
		if f := proto.Fixups[0]; f.Rows != int64((rows+every-1)/every) || f.Unresolved != 0 {
			b.Fatalf("fix-up %+v", f)
		}
	}
	n := float64(b.N)
	b.ReportMetric(without.Seconds()/n, "s/import")
	b.ReportMetric(with.Seconds()/n, "s/import+fixup")
	b.ReportMetric(pass.Seconds()/n, "s/fixup")
	// The pass's own time against the import without it: less noisy on
	// a shared machine than the difference of the two imports.
	b.ReportMetric(100*pass.Seconds()/without.Seconds(), "overhead_%")
	b.ReportMetric(100*(with.Seconds()-without.Seconds())/without.Seconds(), "diff_%")
}

// benchSample is one import of BenchmarkFixup in bench/measure's shape.
type benchSample struct {
	Scenario string  `json:"scenario"`
	Tool     string  `json:"tool"`
	Rows     int     `json:"rows"`
	Run      int     `json:"run"`
	Wall     float64 `json:"wall_s"`
	User     float64 `json:"user_s"`
	Sys      float64 `json:"sys_s"`
	Load1    float64 `json:"load1"`
	// ServerCPU is the PostgreSQL backend's user + sys time serving the
	// import (read from /proc before the connection closes); 0 on SQLite.
	ServerCPU float64 `json:"server_cpu_s,omitempty"`

	start time.Time
	ru    syscall.Rusage
}

// startSample starts timing one import of the benchmark b.
func startSample(b *testing.B, tool string, rows, run int) *benchSample {
	s := &benchSample{Scenario: "fixup-" + path.Base(b.Name()), Tool: tool, Rows: rows, Run: run}
	if data, err := os.ReadFile("/proc/loadavg"); err == nil {
		s.Load1, _ = strconv.ParseFloat(strings.Fields(string(data) + " 0")[0], 64)
	}
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &s.ru); err != nil {
		b.Fatal(err)
	}
	s.start = time.Now()
	return s
}

// stop returns the import's wall time and appends the sample to
// HANDOVER_BENCH_RESULTS when it is set.
func (s *benchSample) stop(b *testing.B) time.Duration {
	wall := time.Since(s.start)
	file := os.Getenv("HANDOVER_BENCH_RESULTS")
	if file == "" {
		return wall
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	s.Wall = wall.Seconds()
	s.User = time.Duration(ru.Utime.Nano() - s.ru.Utime.Nano()).Seconds()
	s.Sys = time.Duration(ru.Stime.Nano() - s.ru.Stime.Nano()).Seconds()
	line, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.OpenFile(file, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(line, '\n')); err != nil {
		b.Fatal(err)
	}
	return wall
}

// timedTx measures the fix-up pass of an import.
type timedTx struct {
	load.Tx
	spent *time.Duration
}

func (t timedTx) Fixup(ctx context.Context, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	start := time.Now()
	defer func() { *t.spent += time.Since(start) }()
	return t.Tx.(load.Fixer).Fixup(ctx, rules, report)
}

func (t timedTx) PrepareFixups(rules []*fixup.Rule) {
	if fp, ok := t.Tx.(load.FixupPreparer); ok {
		fp.PrepareFixups(rules)
	}
}

// server returns what reads the CPU time of the PostgreSQL backends that
// serve dsn's database into the sample, before the import's connection
// closes; nil for another database.
func (s *benchSample) server(dsn string) func() {
	u, err := url.Parse(dsn)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		return nil
	}
	db := strings.TrimPrefix(u.Path, "/")
	return func() { s.ServerCPU = backendCPU(db) }
}

// backendCPU sums the user + sys time of the PostgreSQL processes that
// serve database db ("postgres: 15/main: user db host(port) state"), in
// seconds (clock ticks of 1/100 s).
func backendCPU(db string) float64 {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var ticks int64
	for _, c := range procs {
		cmd, err := os.ReadFile(c)
		if err != nil || !strings.HasPrefix(string(cmd), "postgres: ") || !strings.Contains(string(cmd), " "+db+" ") {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(filepath.Dir(c), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is the
		// 3rd field of the line, utime and stime the 14th and 15th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			s, _ := strconv.ParseInt(f[12], 10, 64)
			ticks += u + s
		}
	}
	return float64(ticks) / 100
}

// benchImportProto imports x into dsn and commits, as handover import
// does; the fix-up pass's time is added to pass when it is not nil, and
// done (when not nil) runs after the commit, before the connection closes.
func benchImportProto(b *testing.B, p *project.Project, x *extract.Extraction, dsn string, i int, pass *time.Duration, done func()) *protocol.Protocol {
	ctx := context.Background()
	target, err := targets.Open(ctx, dsn, load.Options{Env: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, p.Format)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var etx load.Tx = tx
	if pass != nil {
		etx = timedTx{Tx: tx, spent: pass}
	}
	proto, err := runEngine(ctx, runOptions{Project: p, Kind: protocol.KindImport, Tx: etx, Options: Options{Extraction: x, Env: "bench", Run: i + 1, Artifacts: filepath.Join(b.TempDir(), "run"), Version: "bench"}})
	if err != nil {
		b.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		b.Fatal(err)
	}
	if done != nil {
		done()
	}
	return proto
}

// fixupBenchProject writes the delivery and returns a 10-field contacts
// project with one fix-up rule on notes.
func fixupBenchProject(b *testing.B, rows, every int) (*project.Project, *extract.Extraction) {
	dir := b.TempDir()
	e := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id"}
	for _, spec := range [][2]string{{"external_id", "string"}, {"first_name", "string"}, {"last_name", "string"},
		{"email", "email"}, {"street", "string"}, {"zip", "string"}, {"city", "string"},
		{"birth_date", "date"}, {"notes", "string"}, {"created", "datetime"}} {
		e.Fields = append(e.Fields, &format.Field{Name: spec[0], Column: spec[0], Type: format.Type(spec[1]), Scale: -1})
	}
	if err := e.Compile(); err != nil {
		b.Fatal(err)
	}
	f := &format.Format{Entities: []*format.Entity{e}}
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{{On: "contacts", Field: "notes",
		Match:  `https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`,
		Entity: "contacts", Replace: "https://app.example.com/contacts/{id}"}}, f, errs)
	if errs.Len() > 0 {
		b.Fatal(errs)
	}
	r := &recipe.Recipe{Entity: "contacts", Source: recipe.Source{File: "kontakte.csv", Encoding: "utf-8", Delimiter: ";"},
		Fields: []recipe.FieldExpr{{Field: "external_id", Expr: "ID"}, {Field: "first_name", Expr: "trim(Vorname)"},
			{Field: "last_name", Expr: "upper(trim(Nachname))"}, {Field: "email", Expr: "lower(trim(EMail))"},
			{Field: "street", Expr: "trim(Strasse)"}, {Field: "zip", Expr: "PLZ"}, {Field: "city", Expr: "trim(Ort)"},
			{Field: "birth_date", Expr: `date(Geburtsdatum, "DD.MM.YYYY")`}, {Field: "notes", Expr: "Notiz"},
			{Field: "created", Expr: `datetime(Erstellt, "DD.MM.YYYY HH:mm")`}}}
	p := &project.Project{Dir: dir, Migration: "bench", Format: f, Lookups: recipe.Lookups{},
		Recipes: map[string]*recipe.Recipe{"contacts": r}, Fixups: rules}
	path := filepath.Join(dir, "kontakte.csv")
	file, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	if err := writeFixupContacts(io.MultiWriter(file, h), rows, every); err != nil {
		b.Fatal(err)
	}
	st, _ := file.Stat()
	file.Close()
	x := &extract.Extraction{Dir: dir}
	x.Number = 1
	x.Files = []extract.File{{Path: "kontakte.csv", Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}}
	return p, x
}

// writeFixupContacts writes rows contacts; the notes of every every-th
// row link to another contact of the delivery, earlier or later.
func writeFixupContacts(w io.Writer, rows, every int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "ID;Vorname;Nachname;EMail;Strasse;PLZ;Ort;Geburtsdatum;Notiz;Erstellt")
	for i := range rows {
		note := fmt.Sprintf("Called on %d.%d., wants an offer for the renewal.", i%28+1, i%12+1)
		if i%every == 0 {
			note = fmt.Sprintf(`<p>Contact person: <a href='https://crm.old-vendor.example/contact.aspx?id=%d'>see here</a>. %s</p>`,
				(i*7919+13)%rows, note)
		}
		fmt.Fprintf(bw, "%d;Hans %d;  Müller%d ;Hans.Mueller%d@Example.CH;Bahnhofstrasse %d;%d;Zürich;%02d.%02d.%d;%s;%02d.%02d.2020 10:%02d\n",
			i, i%500, i, i, i%200, 8000+i%1000, i%28+1, i%12+1, 1940+i%60, note, i%28+1, i%12+1, i%60)
	}
	return bw.Flush()
}
