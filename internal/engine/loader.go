package engine

import (
	"context"
	"io"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// loader feeds one entity's valid records to the target's Load, which runs
// in its own goroutine and pulls batches from a channel.
type loader struct {
	ctx    context.Context
	cancel context.CancelFunc
	batch  []load.Record
	ch     chan []load.Record
	done   chan struct{}
	counts load.Counts
	err    error
}

func startLoad(ctx context.Context, tx load.Tx, e *format.Entity) *loader {
	if tx == nil {
		return &loader{}
	}
	ctx, cancel := context.WithCancel(ctx)
	l := &loader{ctx: ctx, cancel: cancel, ch: make(chan []load.Record, 4), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		l.counts, l.err = tx.Load(ctx, e, chanBatches(l.ch))
	}()
	return l
}

// add queues one record; it returns the load's error once it has failed.
func (l *loader) add(r load.Record) error {
	if l.ch == nil {
		return nil
	}
	l.batch = append(l.batch, r)
	if len(l.batch) < loadBatchRows {
		return nil
	}
	return l.flush()
}

func (l *loader) flush() error {
	if len(l.batch) == 0 {
		return nil
	}
	select {
	case l.ch <- l.batch:
		l.batch = make([]load.Record, 0, loadBatchRows)
		return nil
	case <-l.done:
		if l.err != nil {
			return l.err
		}
		return io.ErrUnexpectedEOF
	}
}

// finish hands over the last batch and waits for the load's counts.
func (l *loader) finish() (load.Counts, error) {
	if l.ch == nil {
		return load.Counts{}, nil
	}
	err := l.flush()
	close(l.ch)
	<-l.done
	l.cancel()
	if err != nil {
		return l.counts, err
	}
	return l.counts, l.err
}

// abort stops the load after a failure upstream.
func (l *loader) abort() {
	if l.ch == nil {
		return
	}
	l.cancel()
	close(l.ch)
	<-l.done
}

type chanBatches chan []load.Record

func (c chanBatches) Next(ctx context.Context) ([]load.Record, error) {
	select {
	case b, ok := <-c:
		if !ok {
			return nil, io.EOF
		}
		return b, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
