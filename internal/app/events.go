package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/report"
	"github.com/handover/handover/internal/state"
)

// hookWait bounds how long a use case waits for its webhooks at the end;
// what is not delivered by then stays in the outbox for a later command
// or a worker.
const hookWait = 3 * time.Second

// drainOutbox is the production drain: the migration's due events, for
// at most hookWait; it returns the failures, one sentence each.
func drainOutbox(version string, now func() time.Time) func(context.Context, notify.Outbox, []notify.Webhook) []string {
	return func(ctx context.Context, out notify.Outbox, hooks []notify.Webhook) []string {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hookWait)
		defer cancel()
		snd := &notify.Sender{Outbox: out, Hooks: hooks, Now: now, Opts: notify.Options{UserAgent: "handover/" + version}}
		r, err := snd.Drain(ctx)
		var warnings []string
		for _, f := range r.Failures {
			warnings = append(warnings, f.String())
		}
		if err != nil {
			warnings = append(warnings, "webhooks: "+err.Error())
		}
		return warnings
	}
}

// outboxed returns the outbox rows of events for the project's webhooks,
// each event carrying the audit chain's head; none without webhooks.
func (s *Service) outboxed(ctx context.Context, st Store, p *project.Project, events ...notify.Event) []state.OutboxEvent {
	if len(p.Webhooks) == 0 {
		return nil
	}
	if head, err := st.AuditHead(ctx); err == nil && head.Seq > 0 {
		for i := range events {
			events[i].AuditHead = &head
		}
	}
	rows, err := notify.Outboxed(p.Webhooks, events...)
	if err != nil {
		return nil
	}
	return rows
}

// drain delivers the migration's due events (see drainOutbox) and
// returns the failures as warnings; delivery never fails a use case.
func (s *Service) drain(ctx context.Context, st Store, p *project.Project) []string {
	if len(p.Webhooks) == 0 {
		return nil
	}
	return s.cfg.Drain(ctx, st, p.Webhooks)
}

// emit records events outside a run's own transaction (a refused or
// forced promotion, a freeze) in the outbox and delivers what is due. The
// warnings are the deliveries that failed; a failure to record is one too.
func (s *Service) emit(ctx context.Context, st Store, p *project.Project, events ...notify.Event) []string {
	rows := s.outboxed(ctx, st, p, events...)
	if len(rows) > 0 {
		if err := st.Enqueue(context.WithoutCancel(ctx), rows...); err != nil {
			return []string{fmt.Sprintf("events not recorded: %v", err)}
		}
	}
	return s.drain(ctx, st, p)
}

// runEvents are a finished run's events, with links to the server when
// the project names its public_url and the first rejects of each entity
// (read from the run's rejects files, at most notify.MaxFirstRejects each).
func runEvents(p *project.Project, proto *protocol.Protocol, dir string, at time.Time) []notify.Event {
	if len(p.Webhooks) == 0 {
		return nil // nobody listens: no rejects file is read for a sample
	}
	links := notify.RunLinks{PublicURL: p.PublicURL, Artifacts: proto.Artifacts}
	if rel, err := filepath.Rel(p.Dir, proto.Artifacts); err == nil && proto.Artifacts != "" && !strings.HasPrefix(rel, "..") {
		links.Artifacts = filepath.ToSlash(rel)
	}
	for _, e := range proto.Entities {
		if e.Rejected == 0 || e.Rejects == "" || dir == "" {
			continue
		}
		f, err := os.Open(filepath.Join(dir, filepath.FromSlash(e.Rejects)))
		if err != nil {
			continue // the counts still say how many; the sample is a courtesy
		}
		_, rows, _ := report.ReadFirstRejects(f, notify.MaxFirstRejects)
		f.Close()
		for _, r := range rows {
			links.FirstRejects = append(links.FirstRejects, notify.Reject{Entity: e.Name, Line: r.Line, Errors: r.Errors})
		}
	}
	return notify.RunEventsWith(p.Migration, proto, links, at)
}
