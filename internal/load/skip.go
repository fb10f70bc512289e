package load

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
)

// FingerprintSize is the size of a record's fingerprint.
const FingerprintSize = 16

// Fingerprint appends to buf[:0] the encoding of values a record's
// fingerprint covers (their count, then each value prefixed with its
// length, so "ab","c" and "a","bc" differ) and returns the first
// FingerprintSize bytes of its SHA-256, with the buffer for reuse. Every
// backend fingerprints records with it, and the engine chains it into the
// protocol's hash of the valid rows, so that a row the delta path skips
// contributes the fingerprint its bookkeeping holds.
func Fingerprint(values []string, buf []byte) ([FingerprintSize]byte, []byte) {
	b := binary.AppendUvarint(buf[:0], uint64(len(values)))
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	full := sha256.Sum256(b)
	var fp [FingerprintSize]byte
	copy(fp[:], full[:FingerprintSize])
	return fp, b
}

// SkipReader is an optional capability of a Tx (found by type
// assertion): it hands back what the engine stored with each record
// (Record.Skip), so that the next import can leave the records whose raw
// source row did not change out of the transform. A backend with it
// stores Record.Skip in the record's bookkeeping entry whenever it writes
// the entry's fingerprint (insert, update) and, for a record that is
// unchanged, whenever Skip is not nil; it deletes it with the entry.
type SkipReader interface {
	// Skips hands every bookkeeping entry of entity that holds skip data
	// to into.
	Skips(ctx context.Context, entity string, into SkipSink) error
}

// SkipSink takes the entries SkipReader.Skips reads.
type SkipSink interface {
	// Expect says, before the first entry, how many entries the backend
	// expects (counted, or estimated: more or fewer may come), so that the
	// sink allocates for them once instead of growing; a backend that
	// cannot tell does not call it.
	Expect(entries int)
	// Guess is how many entries the sink's side expects (the engine: the
	// rows the entity's previous extraction had), for a backend that can
	// neither count nor estimate them cheaply, to check against what it
	// knows and pass back to Expect; 0: no idea.
	Guess() int
	// Entry takes one entry: its place among the entity's entries (what
	// the bits of Seen.Skipped refer to in the transaction's Sweep of the
	// entity; -1 when the backend cannot tell), its key, its current
	// fingerprint (all zeros when the row must be rewritten) and the data.
	// It must copy what it keeps: the slices are valid only during the
	// call.
	Entry(place int, key, fp, skip []byte) error
}

// SkipFunc is a SkipSink of one function, which takes no estimate and
// has no guess.
type SkipFunc func(place int, key, fp, skip []byte) error

func (f SkipFunc) Expect(int) {}

func (f SkipFunc) Guess() int { return 0 }

func (f SkipFunc) Entry(place int, key, fp, skip []byte) error { return f(place, key, fp, skip) }
