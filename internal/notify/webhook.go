package notify

import "github.com/handover/handover/internal/webhook"

// Webhook is one receiver, from handover.yaml's notify.webhooks list.
type Webhook = webhook.Webhook
