package load

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
)

// pgSource streams records into a COPY (it is a pgx.CopyFromSource):
// each record is checked, fingerprinted and converted in place.
type pgSource struct {
	ctx  context.Context
	rows Batches
	p    *plan
	enc  *pgEncoder
	h    hasher
	// lead fills the columns before the fields (the id, or the staging
	// key, line and fingerprint) for record r.
	lead func(r *Record, fp fingerprint)

	pending []Record // records read from rows, not yet copied
	limit   int      // a COPY ends after this many records; 0: all
	sent    int      // records of the current COPY
	total   int64    // records of the whole load
	eof     bool
	err     error

	// Keys seen, by hash: a repeated hash is a suspected duplicate key,
	// confirmed (or not) against the staged rows.
	seed     maphash.Seed
	seen     map[uint64]struct{}
	suspects []suspect
}

// suspect is a key whose hash was seen before, and the line it is on.
type suspect struct {
	key  string
	line int
}

func newPGSource(ctx context.Context, rows Batches, p *plan, enc *pgEncoder) *pgSource {
	return &pgSource{ctx: ctx, rows: rows, p: p, enc: enc, seed: maphash.MakeSeed(), seen: map[uint64]struct{}{}}
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
	s.limit, s.sent = limit, 0
}

// done reports whether every record was copied.
func (s *pgSource) done() bool { return s.eof && len(s.pending) == 0 }

// Next prepares the next record's values.
func (s *pgSource) Next() bool {
	if s.err != nil || (s.limit > 0 && s.sent == s.limit) {
		return false
	}
	if len(s.pending) == 0 {
		if s.limit > 0 {
			return false // the caller filled exactly what this COPY takes
		}
		if err := s.fill(1); err != nil {
			s.err = err
			return false
		}
		if len(s.pending) == 0 {
			return false
		}
	}
	r := &s.pending[0]
	if err := s.prepare(r); err != nil {
		s.err = err
		return false
	}
	s.pending[0] = Record{}
	s.pending = s.pending[1:]
	s.sent++
	s.total++
	return true
}

func (s *pgSource) prepare(r *Record) error {
	if err := s.p.check(r); err != nil {
		return err
	}
	key := r.Values[s.p.key]
	k := maphash.String(s.seed, key)
	if _, dup := s.seen[k]; dup {
		s.suspects = append(s.suspects, suspect{key: key, line: r.Line})
	}
	s.seen[k] = struct{}{}
	fp := s.h.sum(r.Values)
	s.lead(r, fp)
	return s.enc.encode(r)
}

// Values returns the prepared record.
func (s *pgSource) Values() ([]any, error) { return s.enc.vals, nil }

// Err reports why Next returned false early.
func (s *pgSource) Err() error { return s.err }

// fpBytes is a fingerprint pgx encodes as bytea without allocating.
type fpBytes fingerprint

func (f *fpBytes) BytesValue() ([]byte, error) { return f[:], nil }
