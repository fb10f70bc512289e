package app

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/state"
)

// recordRun writes the run — its number, its protocol with the final
// status, the audit chain head — into the environment's own bookkeeping,
// in the transaction about to commit: the record can then never disagree
// with the environment. A target without the capability records nothing.
func (s *Service) recordRun(ctx context.Context, ss *session, ex *execution) error {
	rr, ok := ex.tx.(load.RunRecorder)
	if !ok {
		return nil
	}
	proto := ex.proto
	proto.Finished = s.now().UTC()
	data, err := json.Marshal(proto)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	head, err := ss.st.AuditHead(ctx)
	if err != nil {
		return fmt.Errorf("record run: read the audit chain head: %w", err)
	}
	rec := load.RunRecord{Migration: ss.p.Migration, Run: proto.Run, At: proto.Finished, Protocol: data,
		AuditHead: anchorText(head)}
	return rr.RecordRun(ctx, rec)
}

// anchorText is an audit chain head as an environment stores it:
// "SEQ:HASH", "" for an empty chain.
func anchorText(a state.Anchor) string {
	if a.Seq == 0 {
		return ""
	}
	return strconv.FormatInt(a.Seq, 10) + ":" + a.Hash
}

// reconcile settles the runs that read as interrupted without an outcome
// (their lease ended before they finished) and that wrote into an
// environment: one its environment recorded — the process died after the
// commit — is what the record says (succeeded, with its counts); the
// others get a protocol saying the environment was left as it was. A
// writable store records that; a read-only one is overlaid with it, so
// that runs and show never disagree with the environment either. An
// environment that cannot be opened now is asked again next time.
func (s *Service) reconcile(ctx context.Context, st Store, p *project.Project, readOnly bool) (Store, error) {
	runs, err := st.Runs(ctx, "")
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	overlay := map[int]*Run{}
	for _, r := range runs {
		if r.Status != protocol.StatusInterrupted || r.Protocol != nil || r.Env == "" ||
			(r.Kind != protocol.KindImport && r.Kind != protocol.KindFixup) {
			continue
		}
		rec, ok := s.recordedRun(ctx, p, r)
		if !ok || (readOnly && rec == nil) {
			continue
		}
		settled, detail, err := s.settledRun(p, r, rec)
		if err != nil {
			return nil, err
		}
		if readOnly {
			overlay[r.Number] = settled
			continue
		}
		if err := st.FinishRun(ctx, settled, state.Finish{Actor: "handover", Detail: runDetail(settled.Protocol) + detail}); err != nil {
			return nil, fmt.Errorf("record run %d: %w", r.Number, err)
		}
		s.storeProtocol(ctx, p, settled.Protocol) // best effort: the state store holds the protocol
	}
	if len(overlay) == 0 {
		return st, nil
	}
	return &settledStore{Store: st, runs: overlay}, nil
}

// recordedRun reads run r from its environment; ok is false when the
// environment cannot be asked now.
func (s *Service) recordedRun(ctx context.Context, p *project.Project, r *Run) (*load.RunRecord, bool) {
	env, err := p.Environment(r.Env)
	if err != nil || !envExists(env) {
		return nil, false
	}
	target, err := s.cfg.OpenEnv(ctx, env.Database, load.Options{Env: env.Name, Now: s.cfg.Now})
	if err != nil {
		return nil, false
	}
	defer target.Close()
	rd, ok := target.(load.RunReader)
	if !ok {
		return nil, false
	}
	rec, err := rd.RecordedRun(ctx, p.Migration, r.Number)
	if err != nil {
		return nil, false
	}
	return rec, true
}

// settledRun is interrupted run r with its outcome: rec's protocol when
// its environment committed it, else "interrupted"; detail says which for
// the audit entry.
func (s *Service) settledRun(p *project.Project, r *Run, rec *load.RunRecord) (*Run, string, error) {
	proto := &protocol.Protocol{}
	detail := ""
	if rec != nil {
		if err := json.Unmarshal(rec.Protocol, proto); err != nil {
			return nil, "", fmt.Errorf("run %d: read the protocol its environment recorded: %w", r.Number, err)
		}
		detail = " — recorded from environment " + r.Env + " after the process ended"
	} else {
		proto = s.failedProtocol(r, p.Hashes, nil)
		proto.Status, proto.Finished = protocol.StatusInterrupted, r.Finished
		proto.Error = "the process ended before the run committed; the environment was left as it was"
		detail = " — the process ended before the commit"
	}
	proto.Artifacts = artifactsName(p, r.Number)
	c := *r
	c.Status, c.Finished, c.Artifacts, c.Protocol = proto.Status, proto.Finished, proto.Artifacts, proto
	return &c, detail, nil
}

// settledStore is a read-only store whose interrupted runs that an
// environment recorded read as what they were.
type settledStore struct {
	Store
	runs map[int]*Run
}

func (s *settledStore) Run(ctx context.Context, n int) (*Run, error) {
	if r := s.runs[n]; r != nil {
		return r, nil
	}
	return s.Store.Run(ctx, n)
}

func (s *settledStore) Runs(ctx context.Context, env string) ([]*Run, error) {
	runs, err := s.Store.Runs(ctx, env)
	for i, r := range runs {
		if c := s.runs[r.Number]; c != nil {
			runs[i] = c
		}
	}
	return runs, err
}

// anchors reads, from each environment that can be opened, the audit chain
// head it recorded with its newest run of the migration.
func (s *Service) anchors(ctx context.Context, p *project.Project) map[string]state.Anchor {
	out := map[string]state.Anchor{}
	for _, name := range p.EnvOrder {
		env, err := p.Environment(name)
		if err != nil {
			continue
		}
		if a, ok := s.anchor(ctx, p, env); ok {
			out[name] = a
		}
	}
	return out
}

func (s *Service) anchor(ctx context.Context, p *project.Project, env *project.Environment) (state.Anchor, bool) {
	if !envExists(env) {
		return state.Anchor{}, false
	}
	target, err := s.cfg.OpenEnv(ctx, env.Database, load.Options{Env: env.Name, Now: s.cfg.Now})
	if err != nil {
		return state.Anchor{}, false
	}
	defer target.Close()
	rd, ok := target.(load.RunReader)
	if !ok {
		return state.Anchor{}, false
	}
	rec, err := rd.LatestRun(ctx, p.Migration)
	if err != nil || rec == nil {
		return state.Anchor{}, false
	}
	seq, hash, ok := strings.Cut(rec.AuditHead, ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if !ok || err != nil || n <= 0 {
		return state.Anchor{}, false
	}
	return state.Anchor{Seq: n, Hash: hash}, true
}

// envExists reports whether env's database may exist: opening an SQLite
// file that does not would create it, which reading must not.
func envExists(env *project.Environment) bool {
	path, ok := strings.CutPrefix(env.Database, "sqlite://")
	if !ok {
		return true
	}
	_, err := os.Stat(path)
	return err == nil
}
