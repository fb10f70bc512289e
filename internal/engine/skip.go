package engine

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"

	"github.com/zeebo/xxh3"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
)

// The delta path skips unchanged rows before the transform. With every
// record it loads, an import stores (load.Record.Skip) a fingerprint of
// the raw source row, the record's fingerprint and the values the
// cross-row checks need (unique fields and references); the next import
// hashes each raw row and, when the hash is one the environment's
// bookkeeping holds and that entry's fingerprint is still the record's,
// takes the row as unchanged without transforming it: its key, unique
// values and references come from the bookkeeping and go through the same
// cross-row checks as a transformed row's, and its fingerprint goes into
// the protocol's hash of the valid rows.
//
// The raw fingerprint is salted with the skip context: the tool version,
// the hashes of recipes, format and lookups, the entity and the source's
// columns. Whatever of these changes, no raw fingerprint of an earlier
// import matches, and every row takes the full path again (and stores its
// new raw fingerprint).

// skipVersion names the layout of the skip data (raw fingerprint,
// record fingerprint, cross values).
const skipVersion = "handover skip 1"

// rawFP is the 128-bit xxh3 of a raw source row, salted with the context.
type rawFP struct{ hi, lo uint64 }

const skipHead = 16 + load.FingerprintSize // raw fingerprint, then the record's fingerprint

// skipContext is the salt of an entity's raw fingerprints.
func skipContext(o *execution, pl *preparedEntity) [16]byte {
	h := sha256.New()
	put := func(s string) {
		h.Write(binary.AppendUvarint(nil, uint64(len(s))))
		h.Write([]byte(s))
	}
	hs := o.spec.Hashes
	for _, s := range []string{skipVersion, o.Version, hs.Recipes, hs.Format, hs.Lookups, pl.entity.Name} {
		put(s)
	}
	for _, c := range pl.reader.Columns() {
		put(c)
	}
	var out [16]byte
	copy(out[:], h.Sum(nil))
	return out
}

// rawHasher fingerprints raw rows; one per worker.
type rawHasher struct {
	buf []byte
}

func (h *rawHasher) sum(salt *[16]byte, values []string) rawFP {
	b := append(h.buf[:0], salt[:]...)
	b = binary.AppendUvarint(b, uint64(len(values)))
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	h.buf = b
	u := xxh3.Hash128(b)
	return rawFP{hi: u.Hi, lo: u.Lo}
}

func (r rawFP) bytes(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, r.hi)
	return binary.BigEndian.AppendUint64(b, r.lo)
}

// crossFields lists the fields whose values the cross-row checks need
// besides the key: unique fields and references.
func crossFields(e *format.Entity) []int {
	var out []int
	for i, f := range e.Fields {
		if i != e.KeyIndex() && (f.Unique || f.Type == format.Ref) {
			out = append(out, i)
		}
	}
	return out
}

// skipper is what one entity's stream needs for skipping: the salt, the
// index of the environment's skip data, and where new skip data is cut
// from.
type skipper struct {
	salt  [16]byte
	index *skipIndex
	cross []int
	slab  []byte
}

// record returns the skip data of a transformed valid row.
func (s *skipper) record(raw rawFP, fp *rowDigest, values []string) []byte {
	n := skipHead
	for _, i := range s.cross {
		n += binary.MaxVarintLen32 + len(values[i])
	}
	if cap(s.slab)-len(s.slab) < n {
		s.slab = make([]byte, 0, max(64<<10, n))
	}
	start := len(s.slab)
	b := raw.bytes(s.slab)
	b = append(b, fp[:]...)
	for _, i := range s.cross {
		b = binary.AppendUvarint(b, uint64(len(values[i])))
		b = append(b, values[i]...)
	}
	s.slab = b
	return b[start:len(b):len(b)]
}

// newSkipper reads the environment's skip data of the entity when the
// transaction keeps it; nil when it does not.
func newSkipper(ctx context.Context, o *execution, pl *preparedEntity) (*skipper, error) {
	sr, ok := o.tx.(load.SkipReader)
	if !ok || o.kind != protocol.KindImport {
		return nil, nil
	}
	cross := crossFields(pl.entity)
	s := &skipper{salt: skipContext(o, pl), cross: cross, index: newSkipIndex(uniquePlaces(pl.entity, cross)...)}
	if m := memoryBudget(o.Memory); m > 0 {
		s.index.limit = m / skipShare
	}
	sink := skipSink{x: s.index, ncross: len(cross), guess: o.Previous[pl.entity.Name]}
	if err := sr.Skips(ctx, pl.entity.Name, sink); err != nil {
		return nil, fmt.Errorf("read skip data: %w", err)
	}
	s.index.finish()
	return s, nil
}

// skipSink hands the bookkeeping's entries to the skip index
// (load.SkipSink).
type skipSink struct {
	x      *skipIndex
	ncross int
	guess  int64 // the rows the entity's previous extraction had; 0: none
}

func (s skipSink) Expect(n int) { s.x.expect(n) }

// Guess is the previous extraction's rows of the entity, at most as many
// entries as fit in the index's share of the budget.
func (s skipSink) Guess() int {
	g := s.guess
	if s.x.limit > 0 {
		g = min(g, s.x.limit/skipEntryBytes+1)
	}
	return int(max(g, 0))
}

func (s skipSink) Entry(place int, key, fp, skip []byte) error {
	s.x.add(place, key, fp, skip, s.ncross)
	return nil
}

// lateTransform settles, on the collector, the rows the workers found in
// the skip index: the first row with a raw fingerprint takes its entry
// (the key and cross values for the checks, the fingerprint for the
// outputs); a later identical row is transformed after all.
type lateTransform struct {
	pl     *preparedEntity
	ev     *recipe.Evaluator
	dg     rowDigester
	sparse []string
}

func (l *lateTransform) resolve(row *source.Row, r *rowResult) {
	if r.skip == 0 {
		return
	}
	sk := l.pl.skip
	if i := r.skip - 1; sk.index.take(i, row.Line) {
		if l.sparse == nil {
			l.sparse = make([]string, len(l.pl.entity.Fields))
		}
		r.values = sk.index.values(i, l.pl.entity, sk.cross, l.sparse)
		r.digest = sk.index.fps[i]
		return
	}
	if l.ev == nil {
		l.ev = l.pl.program.NewEvaluator()
	}
	raw := r.raw
	*r = transformRow(l.pl, l.ev, len(l.pl.reader.Columns()), row)
	r.raw = raw
	if r.values != nil && len(r.problems) == 0 {
		l.dg.sum(r.values, &r.digest)
	}
}
