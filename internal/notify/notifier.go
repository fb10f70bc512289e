package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Header names of a delivery.
const (
	HeaderEvent     = "X-Handover-Event"
	HeaderSignature = "X-Handover-Signature" // "sha256=" + hex HMAC-SHA256 of the body with the webhook's secret
	HeaderDelivery  = "X-Handover-Delivery"  // one id per event and webhook, the same on every attempt
)

// Options tune a Notifier; zero values take the defaults.
type Options struct {
	Client    *http.Client                                     // default: one that follows no redirects
	Timeout   time.Duration                                    // per attempt; default 5s
	Attempts  int                                              // default 3
	Backoff   time.Duration                                    // wait before the second attempt, doubled after each; default 500ms
	Queue     int                                              // pending deliveries per webhook; default 64
	Sleep     func(ctx context.Context, d time.Duration) error // default: a timer that ctx interrupts
	UserAgent string                                           // default "handover"
}

func (o Options) withDefaults() Options {
	if o.Client == nil {
		o.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Attempts <= 0 {
		o.Attempts = 3
	}
	if o.Backoff <= 0 {
		o.Backoff = 500 * time.Millisecond
	}
	if o.Queue <= 0 {
		o.Queue = 64
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.UserAgent == "" {
		o.UserAgent = "handover"
	}
	return o
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Notifier delivers events to webhooks in the background, one goroutine
// and bounded queue per webhook.
type Notifier struct {
	opts    Options
	workers []*worker
	ctx     context.Context // cancelled when Close gives up waiting
	stop    context.CancelFunc
	wg      sync.WaitGroup

	mu     sync.Mutex
	closed bool
	report Report
}

type worker struct {
	hook  Webhook
	queue chan delivery
}

type delivery struct {
	event string
	id    string
	body  []byte
}

// Report is what became of the deliveries.
type Report struct {
	Delivered int
	Failures  []Failure
}

// Failure is one event a webhook did not receive.
type Failure struct {
	Webhook  string // the webhook's label, without credentials
	Event    string
	Attempts int
	Err      string // without credentials
}

func (f Failure) String() string {
	s := fmt.Sprintf("webhook %s: %s not delivered", f.Webhook, f.Event)
	switch {
	case f.Attempts == 1:
		s += " after 1 attempt"
	case f.Attempts > 1:
		s += fmt.Sprintf(" after %d attempts", f.Attempts)
	}
	return s + ": " + f.Err
}

// Err is nil when every delivery succeeded, else an error listing the
// failures.
func (r *Report) Err() error {
	if len(r.Failures) == 0 {
		return nil
	}
	msgs := make([]string, len(r.Failures))
	for i, f := range r.Failures {
		msgs[i] = f.String()
	}
	return errors.New(strings.Join(msgs, "; "))
}

// New starts a Notifier for hooks.
func New(hooks []Webhook, opts Options) *Notifier {
	ctx, stop := context.WithCancel(context.Background())
	n := &Notifier{opts: opts.withDefaults(), ctx: ctx, stop: stop}
	for _, h := range hooks {
		w := &worker{hook: h, queue: make(chan delivery, n.opts.Queue)}
		n.workers = append(n.workers, w)
		n.wg.Add(1)
		go n.run(w)
	}
	return n
}

// Send queues ev for every webhook that wants it and returns at once; it
// never waits for a receiver. A full queue or a closed Notifier is recorded
// as a failure. The deliveries outlive ctx: only Close ends them.
func (n *Notifier) Send(ctx context.Context, ev Event) {
	_ = ctx // deliveries are bounded by Close, not by the sender's context
	body, err := json.Marshal(ev)
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, w := range n.workers {
		if !w.hook.Wants(ev.Type) {
			continue
		}
		switch {
		case err != nil:
			n.fail(w.hook, ev.Type, 0, "encode event: "+err.Error())
		case n.closed:
			n.fail(w.hook, ev.Type, 0, "the notifier is closed")
		default:
			select {
			case w.queue <- delivery{event: ev.Type, id: newID(), body: body}:
			default:
				n.fail(w.hook, ev.Type, 0, fmt.Sprintf("queue full (%d pending): event dropped", cap(w.queue)))
			}
		}
	}
}

// fail records a failure; n.mu must be held.
func (n *Notifier) fail(h Webhook, event string, attempts int, msg string) {
	n.report.Failures = append(n.report.Failures, Failure{Webhook: h.Label(), Event: event, Attempts: attempts, Err: h.Scrub(msg)})
}

// Close stops accepting events, waits for the pending deliveries until
// ctx is done, then abandons the rest, and reports what became of all
// deliveries. It returns soon after ctx's deadline.
func (n *Notifier) Close(ctx context.Context) *Report {
	n.mu.Lock()
	if !n.closed {
		n.closed = true
		for _, w := range n.workers {
			close(w.queue)
		}
	}
	n.mu.Unlock()
	done := make(chan struct{})
	go func() { n.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		n.stop()
		<-done
	}
	n.stop()
	n.mu.Lock()
	defer n.mu.Unlock()
	r := Report{Delivered: n.report.Delivered, Failures: append([]Failure(nil), n.report.Failures...)}
	return &r
}

// run delivers w's queue in order.
func (n *Notifier) run(w *worker) {
	defer n.wg.Done()
	invalid := w.hook.Validate()
	for d := range w.queue {
		attempts, err := 0, invalid
		if err == nil {
			attempts, err = n.deliver(w.hook, d)
		}
		n.mu.Lock()
		if err != nil {
			n.fail(w.hook, d.event, attempts, err.Error())
		} else {
			n.report.Delivered++
		}
		n.mu.Unlock()
	}
}

// deliver posts d with retries; it returns the attempts made.
func (n *Notifier) deliver(h Webhook, d delivery) (int, error) {
	wait := n.opts.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		if n.ctx.Err() != nil {
			return attempt - 1, errShutdown
		}
		var retry bool
		retry, err = n.post(h, d)
		if err == nil || !retry || attempt == n.opts.Attempts {
			return attempt, err
		}
		if n.opts.Sleep(n.ctx, wait) != nil {
			return attempt, fmt.Errorf("%w (last: %v)", errShutdown, err)
		}
		wait *= 2
	}
}

var errShutdown = errors.New("abandoned when the notifier closed")

// post makes one attempt; retry tells whether another may succeed.
func (n *Notifier) post(h Webhook, d delivery) (retry bool, err error) {
	ctx, cancel := context.WithTimeout(n.ctx, n.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.body))
	if err != nil {
		return false, errors.New("bad url")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", n.opts.UserAgent)
	req.Header.Set(HeaderEvent, d.event)
	req.Header.Set(HeaderDelivery, d.id)
	if h.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(h.Secret, d.body))
	}
	resp, err := n.opts.Client.Do(req)
	if err != nil {
		switch {
		case n.ctx.Err() != nil:
			return false, errShutdown
		case errors.Is(err, context.DeadlineExceeded):
			return true, fmt.Errorf("no answer within %v", n.opts.Timeout)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		return false, nil
	case c >= 500, c == http.StatusTooManyRequests, c == http.StatusRequestTimeout:
		return true, fmt.Errorf("receiver answered %s", resp.Status)
	default:
		return false, fmt.Errorf("receiver answered %s", resp.Status)
	}
}

// Sign is the X-Handover-Signature value of body: "sha256=" and the hex
// HMAC-SHA256 of body keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether signature is body's signature with secret, in
// constant time: what a receiver written in Go does.
func Verify(secret string, body []byte, signature string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(signature))
}

func newID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
