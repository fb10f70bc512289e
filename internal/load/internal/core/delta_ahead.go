package core

import (
	"context"
	"sync"

	"github.com/handover/handover/internal/load"
)

// HashedBatch is a batch of records with their fingerprints, or why
// reading stopped (io.EOF after the last batch).
type HashedBatch struct {
	Records []load.Record
	FPs     []Fingerprint
	Err     error
}

// HashAhead reads rows and fingerprints them on a goroutine of its own, a
// few batches ahead of the consumer, so that reading (the engine's
// transform, or a generator) and hashing overlap with the lookups. stop
// ends the goroutine and waits for it: rows is not used after stop.
func HashAhead(ctx context.Context, rows load.Batches) (next func() HashedBatch, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan HashedBatch, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		var h Hasher
		for {
			var b HashedBatch
			b.Records, b.Err = rows.Next(ctx)
			if b.Err == nil {
				b.FPs = make([]Fingerprint, len(b.Records))
				for i := range b.Records {
					b.FPs[i] = h.Of(&b.Records[i])
				}
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if b.Err != nil {
				return
			}
		}
	}()
	next = func() HashedBatch {
		select {
		case b, ok := <-out:
			if !ok {
				return HashedBatch{Err: context.Canceled}
			}
			return b
		case <-ctx.Done():
			return HashedBatch{Err: ctx.Err()}
		}
	}
	stop = func() {
		cancel()
		for range out { // unblock a pending send
		}
		wg.Wait()
	}
	return next, stop
}
