package postgres

import (
	"context"
	"io"
	"testing"

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
