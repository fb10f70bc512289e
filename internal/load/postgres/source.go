package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// pgSource turns records into binary COPY rows: each record is checked,
// fingerprinted and encoded straight into the COPY buffer.
type pgSource struct {
	ctx  context.Context
	rows load.Batches
	p    *core.Mapping
	enc  *pgRowEncoder
	h    core.Hasher
	cols int // columns per row: the leading ones and one per field
	// lead appends the columns before the fields (the id, or the staging
	// key, line and fingerprint) for record r.
	lead func(buf []byte, r *load.Record, fp core.Fingerprint) []byte

	pending []load.Record // records read from rows, not yet copied
	limit   int           // a COPY ends after this many records; 0: all
	taken   int           // records of the current COPY written or held
	sent    int           // records of the current COPY written
	// fix rewrites fix-up fields as the rows are written (nil: none);
	// hold keeps a record whose links wait for rows further on.
	fix  *core.RowFixer
	hold func(r *load.Record, fp core.Fingerprint) error
	// memo: the records are held ones, after SetFinal; it returns the
	// current one's memo (core.Held).
	memo  func() []byte
	fixed load.Record
	eof   bool
	err   error
}

// pgSource keeps no set of the keys it met: the engine rejects a repeated
// key before the load sees it, and a load's own check costs memory that
// grows with the rows. The database still refuses one (the key's unique
// index, the bookkeeping's primary key): the direct path then names it
// (duplicateKey), the delta path finds it in the bookkeeping first.

func newPGSource(ctx context.Context, rows load.Batches, p *core.Mapping, enc *pgRowEncoder, lead int) *pgSource {
	return &pgSource{ctx: ctx, rows: rows, p: p, enc: enc, cols: lead + len(p.Columns)}
}

// fill reads batches until n records are pending or the input ends.
func (s *pgSource) fill(n int) error {
	for len(s.pending) < n && !s.eof {
		b, err := s.rows.Next(s.ctx)
		if errors.Is(err, io.EOF) {
			s.eof = true
			break
		}
		if err != nil {
			return fmt.Errorf("read rows: %w", err)
		}
		s.pending = append(s.pending, b...)
	}
	return nil
}

// start begins a COPY of at most limit records (0: until the input ends).
func (s *pgSource) start(limit int) {
	s.limit, s.sent, s.taken = limit, 0, 0
}

// appendRow appends the next record as a COPY row; it returns false when
// the current COPY has no more rows.
func (s *pgSource) appendRow(buf []byte) ([]byte, bool, error) {
	for {
		if s.limit > 0 && s.taken == s.limit {
			return buf, false, nil
		}
		if len(s.pending) == 0 {
			if s.limit > 0 {
				return buf, false, nil // the caller filled exactly what this COPY takes
			}
			if err := s.fill(1); err != nil {
				return s.fail(buf, err)
			}
			if len(s.pending) == 0 {
				return buf, false, nil
			}
		}
		r := &s.pending[0]
		if err := s.p.Check(r); err != nil {
			return s.fail(buf, err)
		}
		fp := s.h.Of(r)
		rec := r
		if s.fix != nil && s.memo != nil {
			s.fixed = load.Record{Line: r.Line, Values: s.fix.ApplyHeld(r.Values, s.memo())}
			rec = &s.fixed
		} else if s.fix != nil {
			vals, later := s.fix.Apply(r.Values)
			if later && s.hold != nil {
				if err := s.hold(r, fp); err != nil {
					return s.fail(buf, err)
				}
				s.pop()
				continue
			}
			s.fixed = load.Record{Line: r.Line, Values: vals}
			rec = &s.fixed
		}
		buf = binary.BigEndian.AppendUint16(buf, uint16(s.cols))
		buf = s.lead(buf, r, fp)
		buf, err := s.enc.appendFields(buf, rec)
		if err != nil {
			return s.fail(buf, err)
		}
		s.pop()
		s.sent++
		return buf, true, nil
	}
}

// pop drops the record just written or held. A COPY of a given number of
// records (a chunk) leaves them in place, for duplicateKey.
func (s *pgSource) pop() {
	if s.limit == 0 {
		s.pending[0] = load.Record{}
	}
	s.pending = s.pending[1:]
	s.taken++
}

func (s *pgSource) fail(buf []byte, err error) ([]byte, bool, error) {
	s.err = err
	return buf, false, err
}

// copyHeader starts a binary COPY: signature, flags, header extension.
const copyHeader = "PGCOPY\n\xff\r\n\x00" + "\x00\x00\x00\x00" + "\x00\x00\x00\x00"

// copyStream is the body of a COPY … FROM STDIN (FORMAT binary), encoded
// as pgconn reads it; next appends one row, or reports there is none.
//
// pgconn reads it in a goroutine of its own and, when the connection
// fails or the server answers with an error mid-COPY, returns without
// waiting for that goroutine: a Read may still be running, or start,
// after CopyFrom has returned — while the loader, on its way out, closes
// what next uses (the reference indexes, the chunk's records). close
// waits for a running Read and makes every later one fail, so next never
// runs after copyIn returns.
type copyStream struct {
	next    func(buf []byte) ([]byte, bool, error)
	buf     []byte
	off     int
	started bool
	ended   bool

	mu     sync.Mutex
	closed bool
}

// errCopyClosed is what a Read after close returns; pgconn has stopped
// listening by then.
var errCopyClosed = errors.New("copy: the COPY has ended")

// close waits for a Read in progress and refuses the ones after it.
func (c *copyStream) close() {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
}

func (c *copyStream) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errCopyClosed
	}
	if c.off == len(c.buf) {
		c.buf, c.off = c.buf[:0], 0
		if !c.started {
			c.buf, c.started = append(c.buf, copyHeader...), true
		}
		for len(c.buf) < 32<<10 && !c.ended {
			var more bool
			var err error
			if c.buf, more, err = c.next(c.buf); err != nil {
				return 0, err
			}
			if !more {
				c.buf, c.ended = binary.BigEndian.AppendUint16(c.buf, 0xffff), true
			}
		}
		if len(c.buf) == 0 {
			return 0, io.EOF
		}
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

// copyIn runs one binary COPY into table and returns the rows copied.
func (x *pgTx) copyIn(ctx context.Context, table string, cols []string, next func([]byte) ([]byte, bool, error)) (int64, error) {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgQuote(c)
	}
	q := "COPY " + pgQuote(table) + " (" + strings.Join(quoted, ", ") + ") FROM STDIN (FORMAT binary)"
	stream := &copyStream{next: next, buf: make([]byte, 0, 64<<10)}
	tag, err := x.tx.Conn().PgConn().CopyFrom(ctx, stream, q)
	stream.close()
	return tag.RowsAffected(), err
}
