package app

import (
	"context"
	"time"

	"github.com/handover/handover/internal/notify"
	"github.com/handover/handover/internal/project"
)

// hookWait bounds how long a use case waits for its webhooks at the end.
const hookWait = 3 * time.Second

// sendWebhooks is the production sender: every event to every hook that
// wants it, waiting at most hookWait.
func sendWebhooks(version string) func(context.Context, []notify.Webhook, []notify.Event) []string {
	return func(ctx context.Context, hooks []notify.Webhook, events []notify.Event) []string {
		n := notify.New(hooks, notify.Options{UserAgent: "handover/" + version})
		for _, ev := range events {
			n.Send(context.WithoutCancel(ctx), ev)
		}
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), hookWait)
		defer cancel()
		var out []string
		for _, f := range n.Close(ctx).Failures {
			out = append(out, f.String())
		}
		return out
	}
}

// deliver sends events to the project's webhooks that want them and
// returns the failures as warnings; delivery never fails a use case.
func (s *Service) deliver(ctx context.Context, p *project.Project, events ...notify.Event) []string {
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
		return nil
	}
	return s.cfg.Send(ctx, hooks, events)
}
