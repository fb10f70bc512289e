package app

import (
	"context"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
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
