package app

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/handover/handover/internal/project"
)

// settleTTL is how long one process may take to settle a delivery (queue
// its check, audit and record it) before another takes over; a process of
// this host that has ended is taken over at once.
const settleTTL = 2 * time.Minute

// settleWait is how long an upload waits for the process that settles its
// delivery in its place (a server that started then and recovers it).
var settleWait = 30 * time.Second

func settleKey(n int) string { return "delivery-settle/" + strconv.Itoa(n) }

// claimSettle takes the settling of extraction n's delivery for this
// process: of the servers on one state store that would settle it at once
// — an upload and the recoveries of servers that start — only the one
// with the claim queues its check. ok is false when another holds it.
// release ends the claim and closes the store it holds.
func (s *Service) claimSettle(ctx context.Context, p *project.Project, n int) (release func(), ok bool, err error) {
	st, err := s.openState(ctx, p)
	if err != nil {
		return nil, false, err
	}
	rel, ok, err := st.Claim(ctx, settleKey(n), settleTTL)
	if err != nil || !ok {
		st.Close()
		return nil, false, err
	}
	return func() {
		rel(context.WithoutCancel(ctx)) // a claim not released ends with its ttl
		st.Close()
	}, true, nil
}

// delivered reads extraction n's delivery record; ok is false when the
// delivery is not recorded (not settled) yet.
func (s *Service) delivered(ctx context.Context, p *project.Project, n int) (deliveryRecord, bool, error) {
	st, err := s.openState(ctx, p)
	if err != nil {
		return deliveryRecord{}, false, err
	}
	defer st.Close()
	if _, _, ok, err := st.Fact(ctx, deliveryKey(n)); err != nil || !ok {
		return deliveryRecord{}, false, err
	}
	rec, err := getDelivery(ctx, st, n)
	return rec, err == nil, err
}

// awaitSettled waits up to settleWait for the process that holds the
// claim of extraction n's delivery to record it, and returns the check it
// queued.
func (s *Service) awaitSettled(ctx context.Context, p *project.Project, n int) (int, error) {
	deadline := time.Now().Add(settleWait)
	for {
		rec, ok, err := s.delivered(ctx, p, n)
		if err != nil {
			return 0, err
		}
		if ok {
			return rec.Run, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("extraction %d stored, but another server settling its delivery has not recorded it in %s", n, settleWait)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
