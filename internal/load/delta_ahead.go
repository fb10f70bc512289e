package load

import (
	"context"
	"sync"
)

// hashedBatch is a batch of records with their fingerprints, or why
// reading stopped (io.EOF after the last batch).
type hashedBatch struct {
	records []Record
	fps     []fingerprint
	err     error
}

// hashAhead reads rows and fingerprints them on a goroutine of its own, a
// few batches ahead of the consumer, so that reading (the engine's
// transform, or a generator) and hashing overlap with the lookups. stop
// ends the goroutine and waits for it: rows is not used after stop.
func hashAhead(ctx context.Context, rows Batches) (next func() hashedBatch, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	out := make(chan hashedBatch, 4)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(out)
		var h hasher
		for {
			var b hashedBatch
			b.records, b.err = rows.Next(ctx)
			if b.err == nil {
				b.fps = make([]fingerprint, len(b.records))
				for i := range b.records {
					b.fps[i] = h.sum(b.records[i].Values)
				}
			}
			select {
			case out <- b:
			case <-ctx.Done():
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	next = func() hashedBatch {
		select {
		case b, ok := <-out:
			if !ok {
				return hashedBatch{err: context.Canceled}
			}
			return b
		case <-ctx.Done():
			return hashedBatch{err: ctx.Err()}
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
