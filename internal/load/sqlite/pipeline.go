package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// sqliteInFlight is how many batches circulate between the goroutine that
// prepares them and the one that executes them.
const sqliteInFlight = 4

// write sorts the records into inserts, updates and unchanged ones. A
// goroutine reads, checks, fingerprints, sorts and converts the records
// into batches while this one executes them on the connection, so the two
// halves of the work use two cores.
func (x *sqliteTx) write(ctx context.Context, w *sqliteWriter, p *core.Mapping, book *core.Book, nextID int64, fix *core.RowFixer, rows load.Batches) (load.Counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *sqliteBatch, sqliteInFlight)
	free := make(chan *sqliteBatch, sqliteInFlight)
	for range sqliteInFlight {
		free <- newSQLiteBatch(w.rows)
	}
	s := &sorter{w: w, p: p, book: book, nextID: nextID, fix: fix}
	var prepErr error
	go func() {
		defer close(full)
		prepErr = s.run(ctx, rows, full, free)
	}()
	var execErr error
	for b := range full {
		if execErr == nil {
			if execErr = w.exec(ctx, b); execErr != nil {
				cancel() // stop the sorter; keep draining until it is done
			}
		}
		b.reset()
		free <- b
	}
	if execErr != nil {
		return load.Counts{}, execErr
	}
	if prepErr != nil {
		return load.Counts{}, prepErr
	}
	return s.c, nil
}

// sorter decides, record by record, what a load does with it.
type sorter struct {
	w      *sqliteWriter
	p      *core.Mapping
	book   *core.Book
	nextID int64
	h      core.Hasher
	c      load.Counts
	// fix rewrites fix-up fields as rows are written (nil: none); a row
	// linking to a row further on is held until every row was met.
	fix   *core.RowFixer
	held  core.Spill
	fixed load.Record
	memo  []byte
	b     *sqliteBatch // the batch being filled
}

// run turns rows into batches on full, taking empty ones from free.
func (s *sorter) run(ctx context.Context, rows load.Batches, full chan<- *sqliteBatch, free <-chan *sqliteBatch) error {
	defer s.held.Close()
	for {
		batch, err := rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
		for i := range batch {
			if err := s.each(ctx, full, free, func(b *sqliteBatch) error { return s.add(b, &batch[i]) }); err != nil {
				return err
			}
		}
	}
	if s.held.Len() > 0 {
		s.fix.SetFinal()
		err := s.held.Each(loadHeldChunk, func(hs []core.Held) error {
			for i := range hs {
				if err := s.each(ctx, full, free, func(b *sqliteBatch) error { return s.addHeld(b, &hs[i]) }); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if s.b != nil && !s.b.empty() {
		return send(ctx, full, s.b)
	}
	return nil
}

// loadHeldChunk is how many held rows are read back at a time.
const loadHeldChunk = 4096

// each runs add on the batch being filled and sends the batch once full.
func (s *sorter) each(ctx context.Context, full chan<- *sqliteBatch, free <-chan *sqliteBatch, add func(*sqliteBatch) error) error {
	if s.b == nil {
		select {
		case s.b = <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if err := add(s.b); err != nil {
		return err
	}
	if s.b.full() {
		if err := send(ctx, full, s.b); err != nil {
			return err
		}
		s.b = nil
	}
	return nil
}

func send(ctx context.Context, full chan<- *sqliteBatch, b *sqliteBatch) error {
	select {
	case full <- b:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// add sorts one record into b: new, changed, or unchanged (left out).
func (s *sorter) add(b *sqliteBatch, r *load.Record) error {
	if err := s.p.Check(r); err != nil {
		return err
	}
	fp := s.h.Of(r)
	key := r.Values[s.p.KeyIndex]
	i, known := s.book.Find(key)
	switch {
	case known && s.book.IsSeen(i):
		return fmt.Errorf("line %d: duplicate key %q", r.Line, key)
	case !known:
		s.book.MarkSeen(s.book.Add(key, fp, s.nextID))
		id := s.nextID
		s.nextID++
		s.c.Inserted++
		rec, held, err := s.rewrite(r, id, fp, false)
		if err != nil || held {
			return err
		}
		return s.w.addInsert(b, rec, id, fp)
	case s.book.FPs[i] == fp:
		s.book.MarkSeen(i)
		s.c.Unchanged++
		if r.Skip != nil {
			s.w.addSkip(b, r)
		}
	default:
		s.book.MarkSeen(i)
		s.book.FPs[i] = fp
		s.c.Updated++
		rec, held, err := s.rewrite(r, s.book.IDs[i], fp, true)
		if err != nil || held {
			return err
		}
		return s.w.addUpdate(b, rec, s.book.IDs[i], fp)
	}
	return nil
}

// rewrite applies the fix-ups to a record about to be written; held
// reports that it was held back instead.
func (s *sorter) rewrite(r *load.Record, id int64, fp core.Fingerprint, update bool) (*load.Record, bool, error) {
	if s.fix == nil {
		return r, false, nil
	}
	vals, later := s.fix.Apply(r.Values)
	if later {
		s.memo = s.fix.Memo(s.memo[:0])
		return nil, true, s.held.Add(core.Held{Record: *r, ID: id, FP: fp, Update: update, Memo: s.memo})
	}
	s.fixed = load.Record{Line: r.Line, Values: vals, Skip: r.Skip}
	return &s.fixed, false, nil
}

// addHeld writes a held record, its links rewritten now that every key of
// the load is known.
func (s *sorter) addHeld(b *sqliteBatch, h *core.Held) error {
	vals := s.fix.ApplyHeld(h.Record.Values, h.Memo)
	rec := &load.Record{Line: h.Record.Line, Values: vals, Skip: h.Record.Skip}
	if h.Update {
		return s.w.addUpdate(b, rec, h.ID, h.FP)
	}
	return s.w.addInsert(b, rec, h.ID, h.FP)
}
