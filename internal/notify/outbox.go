package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/handover/handover/internal/state"
)

// Outbox is where events wait for delivery; *state.Store satisfies it.
// The events are written in the same transaction as what they report
// (state.Finish.Events, AddApproval, Record), so none is lost when the
// process dies or a receiver is down.
type Outbox interface {
	ClaimEvents(ctx context.Context, limit int, hold time.Duration) ([]state.OutboxEvent, error)
	Delivered(ctx context.Context, ev state.OutboxEvent) error
	DeliveryFailed(ctx context.Context, ev state.OutboxEvent, msg string, retry time.Time) error
}

// Outboxed turns events into outbox rows: one per event and webhook that
// wants it. An event without an ID gets a new one, the same for every
// webhook; the receiver sees it in the body ("id") and in the
// X-Handover-Delivery header, and drops duplicates by it.
func Outboxed(hooks []Webhook, events ...Event) ([]state.OutboxEvent, error) {
	var out []state.OutboxEvent
	stamp := time.Now().UnixNano()
	for i, ev := range events {
		if ev.ID == "" {
			ev.ID = fmt.Sprintf("%016x%04x%s", stamp, i, newID()[:8]) // sorts in the order made
		}
		body, err := json.Marshal(ev)
		if err != nil {
			return nil, fmt.Errorf("encode event %s: %w", ev.Type, err)
		}
		for _, h := range hooks {
			if h.Wants(ev.Type) {
				out = append(out, state.OutboxEvent{ID: ev.ID, Hook: h.Key(), Type: ev.Type, Body: body, Created: ev.At})
			}
		}
	}
	return out, nil
}

// Sender delivers the outbox of one migration to its webhooks.
type Sender struct {
	Outbox Outbox
	Hooks  []Webhook
	Opts   Options
	Now    func() time.Time // default time.Now
	// MaxBackoff caps the wait before an event is due again after a
	// failed pass; default 1h.
	MaxBackoff time.Duration
}

// claimHold is how long a sender holds the events it claimed: another
// sender takes them after it, should this one die.
const claimHold = 2 * time.Minute

// Drain delivers the due events, oldest first, each with Opts.Attempts
// tries, until none is due or ctx is done; what fails is due again later
// (back-off doubling per failed pass, up to MaxBackoff) for the next
// Drain — of a later command or a worker. Delivery is at least once.
func (s *Sender) Drain(ctx context.Context) (*Report, error) {
	opts := s.Opts.withDefaults()
	now := s.Now
	if now == nil {
		now = time.Now
	}
	n := &Notifier{opts: opts, ctx: ctx, stop: func() {}}
	hooks := map[string]Webhook{}
	for _, h := range s.Hooks {
		hooks[h.Key()] = h
	}
	report := &Report{}
	for ctx.Err() == nil {
		evs, err := s.Outbox.ClaimEvents(ctx, 16, claimHold)
		if err != nil || len(evs) == 0 {
			return report, err
		}
		for _, ev := range evs {
			if err := s.deliverOne(ctx, n, hooks, ev, report, now); err != nil {
				return report, err
			}
		}
	}
	return report, nil
}

// deliverOne tries ev and records the outcome, also when ctx ended the
// attempt.
func (s *Sender) deliverOne(ctx context.Context, n *Notifier, hooks map[string]Webhook, ev state.OutboxEvent, r *Report, now func() time.Time) error {
	record := context.WithoutCancel(ctx)
	h, ok := hooks[ev.Hook]
	if !ok {
		return s.Outbox.DeliveryFailed(record, ev, "the webhook is no longer configured", now().Add(s.maxBackoff()))
	}
	attempts, err := 0, h.Validate()
	if err == nil {
		attempts, err = n.deliver(h, delivery{event: ev.Type, id: ev.ID, body: ev.Body})
	}
	if err == nil {
		r.Delivered++
		return s.Outbox.Delivered(record, ev)
	}
	msg := h.Scrub(err.Error())
	r.Failures = append(r.Failures, Failure{Webhook: h.Label(), Event: ev.Type, Attempts: attempts, Err: msg + " (queued: a later command or a worker retries it)"})
	return s.Outbox.DeliveryFailed(record, ev, msg, now().Add(s.backoff(ev.Attempts)))
}

// backoff is the wait after the failed pass number attempts+1.
func (s *Sender) backoff(attempts int) time.Duration {
	d := s.Opts.withDefaults().Backoff
	for range attempts {
		d *= 2
		if d >= s.maxBackoff() {
			return s.maxBackoff()
		}
	}
	return d
}

func (s *Sender) maxBackoff() time.Duration {
	if s.MaxBackoff > 0 {
		return s.MaxBackoff
	}
	return time.Hour
}
