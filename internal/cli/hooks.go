package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/plan"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/state"
)

// hookWait bounds how long a command waits for its webhooks at the end.
const hookWait = 3 * time.Second

// deliver sends events to the project's webhooks and waits for them at
// most hookWait. A failure is a warning on stderr, never an error: it
// reports whether everything was delivered.
func (a *app) deliver(p *project.Project, events ...notify.Event) bool {
	var hooks []notify.Webhook
	for _, h := range p.Webhooks {
		for _, ev := range events {
			if h.Wants(ev.Type) {
				hooks = append(hooks, h)
				break
			}
		}
	}
	if len(hooks) == 0 {
		return true
	}
	n := notify.New(hooks, notify.Options{UserAgent: "handover/" + Version})
	for _, ev := range events {
		n.Send(context.Background(), ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), hookWait)
	defer cancel()
	r := n.Close(ctx)
	for _, f := range r.Failures {
		fmt.Fprintf(a.stderr, "warning: %s\n", f)
	}
	return len(r.Failures) == 0
}

// notifyOverdue sends step_overdue once per overdue step: a fact
// notified:step_overdue:<id> records that it went out. When a delivery
// fails, nothing is recorded and the next plan or status tries again.
func (a *app) notifyOverdue(ctx context.Context, st *state.Store, p *project.Project, pl *plan.Plan) error {
	wanted := false
	for _, h := range p.Webhooks {
		wanted = wanted || h.Wants(notify.EventStepOverdue)
	}
	if !wanted {
		return nil
	}
	now := a.now()
	var events []notify.Event
	var keys []string
	for _, s := range pl.Overdue() {
		key := "notified:" + notify.EventStepOverdue + ":" + s.ID
		_, _, sent, err := st.Fact(ctx, key)
		if err != nil {
			return err
		}
		if sent {
			continue
		}
		events = append(events, notify.StepOverdueEvent(p.Migration, notify.Step{ID: s.ID, Title: s.Title,
			Owner: s.Owner, Due: s.Due.Format(time.DateOnly), When: s.When(), Status: string(s.Status), Note: s.Note}, now))
		keys = append(keys, key)
	}
	if len(events) == 0 || !a.deliver(p, events...) {
		return nil
	}
	for _, key := range keys {
		if err := st.SetFact(ctx, key, "sent", now); err != nil {
			return err
		}
	}
	return nil
}
