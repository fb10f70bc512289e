package app

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// fakeFixture is a scaffolded project whose Service runs against a
// recording fake state store, environment and webhook sender.
func fakeFixture(t *testing.T, edit func(string) string) (*fixture, *recorder, *fakeStore, *fakeTarget) {
	f := newFixture(t, func(cfg string) string {
		cfg += "notify:\n  webhooks:\n    - {url: \"http://127.0.0.1:9/hook\"}\n"
		if edit != nil {
			cfg = edit(cfg)
		}
		return cfg
	})
	f.receive(-1)
	rec := &recorder{}
	st := newFakeStore(rec)
	target := &fakeTarget{rec: rec, tables: map[string]int{}}
	f.svc = New(Config{Version: "test", Now: func() time.Time { return f.now }, Getenv: func(k string) string { return f.env[k] },
		OpenState: func(context.Context, string, state.Options) (Store, error) { return st, nil },
		OpenEnv:   func(context.Context, string, load.Options) (load.Target, error) { return target, nil },
		Drain:     fakeDrain})
	return f, rec, st, target
}

const strictGate = "  max_reject_rate: 0.01\n"

// TestLifecycle checks the order of the one run lifecycle for each kind of
// outcome: begin → execute → gate → commit or roll back → finish → audit →
// event; the gate is decided before the commit.
func TestLifecycle(t *testing.T) {
	tests := []struct {
		name       string
		edit       func(string) string
		commitErr  error
		run        func(*Service, string) (*RunResult, error)
		calls      []string
		status     string
		tx         string
		wantErr    string
		rowsLoaded bool
	}{
		{name: "check", run: check,
			calls:  []string{"audit config_changed tester", "begin check ", "finish succeeded", "audit run tester", "event run_finished"},
			status: protocol.StatusSucceeded},
		{name: "import", run: importDev(false),
			calls: []string{"audit config_changed tester", "begin import dev", "env begin", "env commit", "finish succeeded",
				"audit run tester", "event run_finished"},
			status: protocol.StatusSucceeded, tx: protocol.TransactionCommitted, rowsLoaded: true},
		{name: "dry run", run: importDev(true),
			calls: []string{"audit config_changed tester", "begin import dev", "env begin", "env rollback", "finish succeeded",
				"audit run tester", "event run_finished"},
			status: protocol.StatusSucceeded, tx: protocol.TransactionRolledBack},
		{name: "gate fails", edit: strict(""), run: importDev(false),
			calls: []string{"audit config_changed tester", "begin import dev", "env begin", "env rollback", "finish gate_failed",
				"audit run tester", "event run_finished", "event gate_failed"},
			status: protocol.StatusGateFailed, tx: protocol.TransactionRolledBack},
		{name: "gate fails, on_gate_failure commit", edit: strict("    on_gate_failure: commit\n"), run: importDev(false),
			calls: []string{"audit config_changed tester", "begin import dev", "env begin", "env commit", "finish gate_failed",
				"audit run tester", "event run_finished", "event gate_failed"},
			status: protocol.StatusGateFailed, tx: protocol.TransactionCommitted, rowsLoaded: true},
		{name: "commit fails", commitErr: errors.New("connection reset"), run: importDev(false),
			calls: []string{"audit config_changed tester", "begin import dev", "env begin", "env commit", "finish failed",
				"audit run tester", "event run_finished"},
			status: protocol.StatusFailed, tx: protocol.TransactionRolledBack, wantErr: "import into dev: commit: connection reset"},
		{name: "promotion refused", edit: withProd, run: importProd,
			calls:   []string{"audit config_changed tester", "audit promotion_refused tester", "event promotion_refused"},
			wantErr: "import into prod, extraction 1 refused:\n  dev: no import yet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, rec, st, target := fakeFixture(t, tt.edit)
			target.commitErr = tt.commitErr
			res, err := tt.run(f.svc, f.dir)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error %v, want %q", err, tt.wantErr)
			}
			if got := strings.Join(rec.calls, "\n"); got != strings.Join(tt.calls, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", got, strings.Join(tt.calls, "\n"))
			}
			if tt.status == "" {
				var ref *Refusal
				if res != nil || !errors.As(err, &ref) || !IsInvalid(err) || ref.Env != "prod" {
					t.Errorf("result %v, error %#v; want no result and a *Refusal", res, err)
				}
				return
			}
			p := res.Protocol
			if p.Status != tt.status || p.Transaction != tt.tx {
				t.Errorf("status %s transaction %q, want %s %q", p.Status, p.Transaction, tt.status, tt.tx)
			}
			if (target.tables["contacts"] > 0) != tt.rowsLoaded {
				t.Errorf("environment holds %v after the run; rows kept: want %v", target.tables, tt.rowsLoaded)
			}
			if r := st.runs[p.Run-1]; r.Status != p.Status || r.Protocol != p {
				t.Errorf("state store has run %d %s, protocol %p; want %s %p", r.Number, r.Status, r.Protocol, p.Status, p)
			}
		})
	}
}

func strict(envExtra string) func(string) string {
	return func(cfg string) string {
		cfg = regexp.MustCompile(`(?m)^  max_reject_rate: .*\n`).ReplaceAllString(cfg, strictGate)
		return strings.Replace(cfg, "    files: dir://.handover/dev-files\n", "    files: dir://.handover/dev-files\n"+envExtra, 1)
	}
}

func check(s *Service, dir string) (*RunResult, error) {
	return s.Check(context.Background(), CheckRequest{Actor: tester, Project: dir})
}

func importDev(dry bool) func(*Service, string) (*RunResult, error) {
	return func(s *Service, dir string) (*RunResult, error) {
		return s.Import(context.Background(), ImportRequest{Actor: tester, Project: dir, Env: "dev", DryRun: dry})
	}
}

func importProd(s *Service, dir string) (*RunResult, error) {
	return s.Import(context.Background(), ImportRequest{Actor: tester, Project: dir, Env: "prod"})
}

func withProd(cfg string) string {
	return strings.Replace(cfg, "environments:\n", "environments:\n  prod:\n    database: sqlite://.handover/prod.db\n    requires: [dev]\n", 1)
}
