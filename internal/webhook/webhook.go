// Package webhook is a receiver of events as handover.yaml declares it
// (notify.webhooks) and the event types it may ask for: plain data, so
// that the project's configuration does not depend on the delivery
// (package notify) and its outbox in the state store.
package webhook

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Event types.
const (
	EventRunFinished = "run_finished"
	EventGateFailed  = "gate_failed"
	EventSignoff     = "signoff_recorded"
	EventStepOverdue = "step_overdue"
	// EventPromotionRefused: an import was refused by the promotion rules.
	EventPromotionRefused = "promotion_refused"
	// EventPromotionForced: an import overrode the promotion rules (--force).
	EventPromotionForced = "promotion_forced"
	// EventFrozen: the source was recorded read-only (handover freeze).
	EventFrozen = "source_frozen"
)

// Events lists the event types.
func Events() []string {
	return []string{EventRunFinished, EventGateFailed, EventSignoff, EventStepOverdue,
		EventPromotionRefused, EventPromotionForced, EventFrozen}
}

// KnownEvent reports whether name is an event type.
func KnownEvent(name string) bool {
	switch name {
	case EventRunFinished, EventGateFailed, EventSignoff, EventStepOverdue,
		EventPromotionRefused, EventPromotionForced, EventFrozen:
		return true
	}
	return false
}

// Webhook is one receiver, from handover.yaml's notify.webhooks list.
type Webhook struct {
	Name   string   // shown in reports and errors; empty: the URL's scheme and host
	URL    string   // http:// or https://; may carry credentials, which are never shown
	Secret string   // HMAC-SHA256 key of the X-Handover-Signature header; empty: unsigned
	Events []string // event types it receives; empty: all
}

// Wants reports whether w receives events of type event.
func (w Webhook) Wants(event string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// Label names w without its credentials: its Name, or the URL's scheme and
// host with "/…" when it has a path or query (which may hold a token).
func (w Webhook) Label() string {
	if w.Name != "" {
		return w.Name
	}
	u, err := url.Parse(w.URL)
	if err != nil || u.Host == "" {
		return "(unparsable URL)"
	}
	label := u.Scheme + "://" + u.Host
	if (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		label += "/…"
	}
	return label
}

// Validate checks w; its messages never repeat the URL's credentials,
// path or query, nor the secret.
func (w Webhook) Validate() error {
	var errs []error
	u, err := url.Parse(strings.TrimSpace(w.URL))
	switch {
	case w.URL == "":
		errs = append(errs, errors.New("url missing"))
	case err != nil:
		errs = append(errs, errors.New("url does not parse"))
	case u.Scheme != "http" && u.Scheme != "https":
		errs = append(errs, errors.New("url must start with http:// or https://"))
	case u.Host == "":
		errs = append(errs, errors.New("url names no host"))
	}
	for _, e := range w.Events {
		if !KnownEvent(e) {
			errs = append(errs, fmt.Errorf("unknown event %q (events: %s)", e, strings.Join(Events(), ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("webhook %s: %w", w.Label(), err)
	}
	return nil
}

// Scrub removes everything secret about w from msg: the signing secret,
// the URL's user info, path and query values.
func (w Webhook) Scrub(msg string) string {
	var secrets []string
	if w.Secret != "" {
		secrets = append(secrets, w.Secret)
	}
	if u, err := url.Parse(w.URL); err == nil {
		secrets = append(secrets, w.URL, u.String())
		if u.User != nil {
			secrets = append(secrets, u.User.String(), u.User.Username())
			if pw, ok := u.User.Password(); ok {
				secrets = append(secrets, pw)
			}
		}
		if u.RawQuery != "" {
			secrets = append(secrets, u.RawQuery)
		}
		for _, vs := range u.Query() {
			secrets = append(secrets, vs...)
		}
		if u.Path != "" && u.Path != "/" {
			secrets = append(secrets, u.EscapedPath(), u.Path)
		}
	}
	// longest first, so that a secret containing another is removed whole
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if len(s) >= 3 {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	return msg
}

// Key identifies w in the outbox without its URL or secret: its Name, or
// a hash of its URL.
func (w Webhook) Key() string {
	if w.Name != "" {
		return w.Name
	}
	sum := sha256.Sum256([]byte(w.URL))
	return "url:" + hex.EncodeToString(sum[:8])
}
