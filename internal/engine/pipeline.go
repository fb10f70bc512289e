package engine

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/transform"
)

const batchRows = 512

// batch is a run of consecutive source rows; workers fill results, the
// collector consumes batches in order once done is closed.
type batch struct {
	rows    []source.Row
	results []rowResult
	done    chan struct{}
	err     error // a read error after rows (fatal for the file)
	// users counts who still reads the batch (the collector, the column
	// profile); the last to let go (release) hands it back to pool, from
	// which the reader fills it again: its rows' and results' arrays and
	// its rows' values' arrays are reused, so that a million rows cost
	// one allocation each (their text) instead of three. Nothing may keep
	// a row's Values slice, or point into results, past its release.
	users atomic.Int32
	pool  chan *batch
}

// hold counts one more reader of the batch, until its release.
func (b *batch) hold() { b.users.Add(1) }

// release lets go of the batch; the last one hands it back to its pool.
func (b *batch) release() {
	if b.users.Add(-1) == 0 && b.pool != nil {
		select {
		case b.pool <- b:
		default: // the pool is full: the batch is left to the garbage collector
		}
	}
}

// reuse returns an emptied batch of pool, or a new one.
func reuse(pool chan *batch) *batch {
	select {
	case b := <-pool:
		b.rows, b.err = b.rows[:0], nil
		b.done = make(chan struct{})
		b.users.Store(1)
		return b
	default:
		b := &batch{rows: make([]source.Row, 0, batchRows), done: make(chan struct{}), pool: pool}
		b.users.Store(1)
		return b
	}
}

// rowResult is what a worker made of one row.
type rowResult struct {
	filtered bool
	values   []string // canonical, aligned with the entity's fields
	problems []format.Problem
	digest   rowDigest // of values, when the row has no problem yet (outputs.go)
	// skip is the entry of the skip index (skip.go) whose raw fingerprint
	// the row has, plus one: the row was not transformed. 0: it was.
	skip int
	raw  rawFP // the row's raw fingerprint, when the import skips
	// refs holds, for a skipped row, per reference field the entry of the
	// referenced entity's skip index with the key it refers to, plus one
	// (refhints.go); nil when none was looked up.
	refs []int32
}

// stream reads the prepared entity's source and transforms it on several workers,
// delivering batches to fn strictly in source order. fn's error stops the
// stream.
func stream(ctx context.Context, pl *preparedEntity, workers int, prog *Progress, fn func(*batch) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers*2)
	order := make(chan *batch, workers*4)
	pool := make(chan *batch, workers*6+4) // about as many batches as the channels hold, and a few in hand
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			transformBatches(pl, work)
		}()
	}
	go func() {
		readBatches(ctx, pl, prog, pool, work, order)
		close(work)
		close(order)
	}()
	var err error
	for b := range order {
		if err != nil {
			continue // drain so the reader can finish
		}
		select {
		case <-b.done:
		case <-ctx.Done():
			err = ctx.Err()
			cancel()
			continue
		}
		if err = fn(b); err == nil {
			err = b.err
		}
		b.release()
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// readBatches reads rows into batches and hands each to the workers and,
// in the same order, to the collector.
func readBatches(ctx context.Context, pl *preparedEntity, prog *Progress, pool chan *batch, work, order chan<- *batch) {
	next := source.Reusing(pl.reader)
	for {
		b := reuse(pool)
		for n := len(b.rows); n < batchRows; n = len(b.rows) {
			var vals []string // the values' array of the row this one replaces
			if n < cap(b.rows) {
				vals = b.rows[:n+1][n].Values
			}
			row, err := next(ctx, vals)
			if err != nil {
				if !errors.Is(err, io.EOF) {
					b.err = err
				}
				break
			}
			b.rows = append(b.rows, row)
		}
		done, _ := pl.reader.Progress()
		prog.Advance(len(b.rows), done)
		last := b.err != nil || len(b.rows) < batchRows
		select {
		case work <- b:
		case <-ctx.Done():
			return
		}
		select {
		case order <- b:
		case <-ctx.Done():
			return
		}
		if last {
			return
		}
	}
}

func transformBatches(pl *preparedEntity, work <-chan *batch) {
	ev := pl.program.NewEvaluator()
	ncols := len(pl.reader.Columns())
	dg := newRowDigester()
	var rh rawHasher
	for b := range work {
		if cap(b.results) >= len(b.rows) {
			b.results = b.results[:len(b.rows)]
			clear(b.results)
		} else {
			b.results = make([]rowResult, len(b.rows))
		}
		var hints []int32 // the batch's reference hints, cut row by row
		next := -1        // the skip entry after the last one found (skipIndex.findNear)
		for i := range b.rows {
			r, row := &b.results[i], &b.rows[i]
			var raw rawFP
			if pl.skip != nil && row.Problem == "" {
				raw = rh.sum(&pl.skip.salt, row.Values)
				if e, ok := pl.skip.index.findNear(raw, next); ok {
					*r = rowResult{skip: e + 1, raw: raw}
					next = e + 1
					hints = pl.refHints.find(pl.skip.index, e, r, hints, len(b.rows))
					continue
				}
			}
			*r = transformRow(pl, ev, ncols, row)
			r.raw = raw
			if r.values != nil && len(r.problems) == 0 {
				dg.sum(r.values, &r.digest) // on the workers: the collector only chains the digests
			}
		}
		close(b.done)
	}
}

// transformRow applies the recipe to one row and normalises every field
// (transform.Apply, the code fixture tests and explanations run too).
func transformRow(pl *preparedEntity, ev *recipe.Evaluator, ncols int, row *source.Row) rowResult {
	if row.Problem != "" {
		return rowResult{problems: []format.Problem{{Rule: "row", Message: row.Problem}}}
	}
	r := transform.Apply(pl.entity, pl.converted, ev, ncols, row.Values)
	return rowResult{filtered: r.Filtered, values: r.Values, problems: r.Problems}
}

func hasProblem(ps []format.Problem, field string) bool { return transform.HasProblem(ps, field) }
