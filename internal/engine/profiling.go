package engine

import (
	"sync"

	"github.com/handover/handover/internal/report"
)

// The column profile of the source (report.Profiler) takes every value of
// every row: a tenth of the collector's time when most rows are skipped.
// It depends on the order of the rows (the distinct values it keeps are
// the first ones), so it runs on a goroutine of its own that takes the
// batches in the collector's order, beside the checks.

// batchProfiler feeds batches to a Profiler on its own goroutine.
type batchProfiler struct {
	batches chan *batch
	done    chan struct{}
	once    sync.Once
}

// profileBatches starts profiling the rows of ncols values of the batches
// add is given; close waits for the last.
func profileBatches(prof *report.Profiler, ncols int) *batchProfiler {
	p := &batchProfiler{batches: make(chan *batch, 8), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		for b := range p.batches {
			for i := range b.rows {
				if v := b.rows[i].Values; len(v) == ncols {
					prof.Add(v)
				}
			}
			b.release()
		}
	}()
	return p
}

// add profiles b's rows, whose values must not change from now on (the
// batch is held until they are profiled).
func (p *batchProfiler) add(b *batch) {
	b.hold()
	p.batches <- b
}

// close waits until every batch added is profiled. Safe to call twice.
func (p *batchProfiler) close() {
	p.once.Do(func() { close(p.batches) })
	<-p.done
}
