package local

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/account/accountdb"
	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/server"
	"github.com/handover/handover/internal/state"
)

// benchFleet builds migrations projects (the example's configuration,
// renamed) under one root, each with runs finished runs in its state
// store, and serves them all.
func benchFleet(b *testing.B, migrations, runs int) (http.Handler, string) {
	b.Helper()
	ctx := context.Background()
	root := b.TempDir()
	src := "../../../examples/acme"
	cfg, err := os.ReadFile(filepath.Join(src, "handover.yaml"))
	if err != nil {
		b.Fatal(err)
	}
	a, z := strings.Index(string(cfg), "environments:"), strings.Index(string(cfg), "gate:")
	base := string(cfg)[:a] + storyEnvs + string(cfg)[z+len("gate:"):]
	for i := range migrations {
		name := fmt.Sprintf("m%03d", i)
		dir := filepath.Join(root, name)
		for _, sub := range []string{"recipes", "lookups"} {
			if err := os.CopyFS(filepath.Join(dir, sub), os.DirFS(filepath.Join(src, sub))); err != nil {
				b.Fatal(err)
			}
		}
		data, _ := os.ReadFile(filepath.Join(src, "format.yaml"))
		os.WriteFile(filepath.Join(dir, "format.yaml"), data, 0o644)
		text := strings.Replace(base, "migration: acme-onboarding", "migration: "+name, 1)
		if err := os.WriteFile(filepath.Join(dir, "handover.yaml"), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
		fillRuns(b, ctx, "sqlite://"+filepath.Join(dir, ".handover", "state.db"), name, runs)
	}
	accs, err := accountdb.OpenDSN(ctx, "sqlite://"+filepath.Join(root, ".handover", "state.db"), account.WithArgon2(account.Argon2{Time: 1, Memory: 64, Threads: 1}))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { accs.Close() })
	if _, err := accs.Add(ctx, account.Account{Email: "eva@vendor.example", Name: "Eva", Role: account.RoleEngineer}, ""); err != nil {
		b.Fatal(err)
	}
	tok, err := accs.NewToken(ctx, "eva@vendor.example")
	if err != nil {
		b.Fatal(err)
	}
	svc, err := New(ctx, Config{Root: root, App: app.New(app.Config{Version: "bench", Getenv: func(string) string { return "" }}), ServerAudit: accs.Audit})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { svc.Close(time.Minute) })
	srv, err := server.New(server.Config{Service: svc, Accounts: accs})
	if err != nil {
		b.Fatal(err)
	}
	return srv.Handler(), tok
}

// fillRuns records n finished runs, rotating check and the three imports.
func fillRuns(b *testing.B, ctx context.Context, dsn, migration string, n int) {
	st, err := state.Open(ctx, dsn, state.Options{Migration: migration})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	envs := []string{"", "dev", "preprod", "prod"}
	for i := range n {
		env := envs[i%len(envs)]
		kind := protocol.KindImport
		if env == "" {
			kind = protocol.KindCheck
		}
		r, err := st.BeginRun(ctx, state.NewRun{Kind: kind, Env: env, Extraction: 1, By: "eva@vendor.example"})
		if err != nil {
			b.Fatal(err)
		}
		r.Status = protocol.StatusSucceeded
		r.Finished = time.Now()
		r.Protocol = &protocol.Protocol{Run: r.Number, Kind: kind, Env: env, Extraction: 1, Status: r.Status, Started: r.Started, Finished: r.Finished,
			Gate: protocol.Gate{Passed: true, Checks: []protocol.Check{{Name: "max_reject_rate", Entity: "contacts", Value: 0.03, Limit: 0.05, Passed: true}}},
			Entities: []*protocol.Entity{
				{Name: "structures", Read: 300, Rejected: 9, Valid: 291, Inserted: 291, RejectsByRule: map[string]int{"name/required": 2, "uid/pattern": 7}},
				{Name: "contacts", Read: 2000, Filtered: 63, Rejected: 61, Valid: 1876, Inserted: 1876, RejectsByRule: map[string]int{"email/email": 8, "birth_date/date": 53}},
				{Name: "sales", Read: 5000, Rejected: 143, Valid: 4857, Inserted: 4857, RejectsByRule: map[string]int{"contact/ref": 47, "amount/number": 96}},
			}}
		if err := st.FinishRun(ctx, r, state.Finish{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkServerPages measures every page and API list with 100
// migrations × 200 runs (HANDOVER_BENCH_MIGRATIONS, HANDOVER_BENCH_RUNS): a bounded load loop (each route requested in turn,
// one request at a time, on the handler without network) reporting the p95
// latency per route. Run it with
//
//	go test -run '^$' -bench BenchmarkServerPages -benchtime 1x ./internal/server/local/
func BenchmarkServerPages(b *testing.B) {
	migrations, runs := envInt("HANDOVER_BENCH_MIGRATIONS", 100), envInt("HANDOVER_BENCH_RUNS", 200)
	start := time.Now()
	handler, tok := benchFleet(b, migrations, runs)
	b.Logf("setup: %d migrations × %d runs in %s", migrations, runs, time.Since(start).Round(time.Second))
	routes := []string{
		"/", "/m/m050", "/m/m050/runs/%d", "/m/m050/audit",
		"/api/v1/migrations", "/api/v1/migrations/m050", "/api/v1/migrations/m050/runs",
		"/api/v1/migrations/m050/runs/%d", "/api/v1/migrations/m050/plan", "/api/v1/migrations/m050/audit",
	}
	for i, r := range routes {
		if strings.Contains(r, "%d") {
			routes[i] = fmt.Sprintf(r, runs)
		}
	}
	const rounds = 40
	lat := map[string][]time.Duration{}
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for _, path := range routes {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				rec := httptest.NewRecorder()
				start := time.Now()
				handler.ServeHTTP(rec, req)
				lat[path] = append(lat[path], time.Since(start))
				if rec.Code != 200 {
					b.Fatalf("%s: %d %s", path, rec.Code, rec.Body.String())
				}
			}
		}
	}
	b.StopTimer()
	for _, path := range routes {
		d := lat[path]
		slices.Sort(d)
		p95 := d[len(d)*95/100]
		b.Logf("%-36s p50 %6.1f ms  p95 %6.1f ms  (n=%d)", path, ms(d[len(d)/2]), ms(p95), len(d))
		b.ReportMetric(ms(p95), "ms-p95:"+path)
	}
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
