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
func (x *sqliteTx) write(ctx context.Context, w *sqliteWriter, p *core.Mapping, book *core.Book, nextID int64, rows load.Batches) (load.Counts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := make(chan *sqliteBatch, sqliteInFlight)
	free := make(chan *sqliteBatch, sqliteInFlight)
	for range sqliteInFlight {
		free <- newSQLiteBatch()
	}
	s := &sorter{w: w, p: p, book: book, nextID: nextID}
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
}

// run turns rows into batches on full, taking empty ones from free.
func (s *sorter) run(ctx context.Context, rows load.Batches, full chan<- *sqliteBatch, free <-chan *sqliteBatch) error {
	var b *sqliteBatch
	for {
		batch, err := rows.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
		for i := range batch {
			if b == nil {
				select {
				case b = <-free:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			if err := s.add(b, &batch[i]); err != nil {
				return err
			}
			if b.rows == sqliteInsertRows || len(b.updates) == sqliteInsertRows {
				if err := send(ctx, full, b); err != nil {
					return err
				}
				b = nil
			}
		}
	}
	if b != nil && !b.empty() {
		return send(ctx, full, b)
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
	fp := s.h.Sum(r.Values)
	key := r.Values[s.p.KeyIndex]
	i, known := s.book.Find(key)
	switch {
	case known && s.book.IsSeen(i):
		return fmt.Errorf("line %d: duplicate key %q", r.Line, key)
	case !known:
		s.book.MarkSeen(s.book.Add(key, fp, s.nextID))
		if err := s.w.addInsert(b, r, s.nextID, fp); err != nil {
			return err
		}
		s.nextID++
		s.c.Inserted++
	case s.book.FPs[i] == fp:
		s.book.MarkSeen(i)
		s.c.Unchanged++
	default:
		s.book.MarkSeen(i)
		s.book.FPs[i] = fp
		if err := s.w.addUpdate(b, r, s.book.IDs[i], fp); err != nil {
			return err
		}
		s.c.Updated++
	}
	return nil
}
