package postgres

import (
	"context"
	"io"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/handover/handover/internal/load"
)

// sliceBatches yields n records in batches of size.
type sliceBatches struct {
	batch []load.Record
	left  int
}

func (s *sliceBatches) Next(context.Context) ([]load.Record, error) {
	if s.left <= 0 {
		return nil, io.EOF
	}
	n := min(s.left, len(s.batch))
	s.left -= n
	return s.batch[:n], nil
}

func TestReadAheadChunks(t *testing.T) {
	n := 2*directChunk + 100
	rows := &sliceBatches{batch: make([]load.Record, 4096), left: n}
	var sizes []int
	for ch := range readAhead(context.Background(), rows) {
		if ch.err != nil {
			t.Fatal(ch.err)
		}
		sizes = append(sizes, len(ch.records))
	}
	if len(sizes) != 3 || sizes[0] != directChunk || sizes[1] != directChunk || sizes[2] != 100 {
		t.Errorf("chunks of %v, want %d, %d, 100", sizes, directChunk, directChunk)
	}
}

// watchedBatches is sliceBatches that counts the records handed out and
// closes past when asked for more once it has handed out limit.
type watchedBatches struct {
	sliceBatches
	read  atomic.Int64
	limit int64
	past  chan struct{}
	once  sync.Once
}

func (w *watchedBatches) Next(ctx context.Context) ([]load.Record, error) {
	if w.read.Load() >= w.limit {
		w.once.Do(func() { close(w.past) })
	}
	b, err := w.sliceBatches.Next(ctx)
	w.read.Add(int64(len(b)))
	return b, err
}

// The reader stays one chunk ahead of the consumer, not more: while the
// consumer copies a chunk the next one is read (the overlap), and no
// further one (its rows would be held in memory, making the collector
// mark them over and over: a third chunk of 32,768 rows was 30 MB of the
// 1M import's live heap and a fifth of its garbage collections).
func TestReadAheadStaysOneChunkAhead(t *testing.T) {
	w := &watchedBatches{sliceBatches: sliceBatches{batch: make([]load.Record, 1024), left: 5 * directChunk},
		limit: 2 * int64(directChunk), past: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	chunks := readAhead(ctx, w)
	defer func() {
		cancel()
		for range chunks {
		}
	}()
	if ch := <-chunks; len(ch.records) != directChunk {
		t.Fatalf("first chunk of %d records", len(ch.records))
	}
	for deadline := time.Now().Add(10 * time.Second); w.read.Load() < 2*int64(directChunk); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d records read while the first chunk is held: the next chunk is not read ahead", w.read.Load())
		}
	}
	select {
	case <-w.past:
		t.Fatal("a third chunk is read while the consumer holds the first")
	case <-time.After(200 * time.Millisecond):
	}
	n := directChunk
	for ch := range chunks {
		n += len(ch.records)
	}
	if n != 5*directChunk {
		t.Errorf("%d records in all, want %d", n, 5*directChunk)
	}
}

// BenchmarkReadAhead reads 1M records in the engine's batches of 4096
// into the direct path's chunks.
func BenchmarkReadAhead(b *testing.B) {
	batch := make([]load.Record, 4096)
	b.ReportAllocs()
	for b.Loop() {
		for ch := range readAhead(context.Background(), &sliceBatches{batch: batch, left: 1 << 20}) {
			if ch.err != nil {
				b.Fatal(ch.err)
			}
		}
	}
}
