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
	// Skips calls fn with every bookkeeping entry of entity that holds
	// skip data: its place among the entity's entries (what the bits of
	// Seen.Skipped refer to in the transaction's Sweep of the entity; -1
	// when the backend cannot tell), its key, its current fingerprint (all
	// zeros when the row must be rewritten) and the data. fn must copy what
	// it keeps: the slices are valid only during the call.
	Skips(ctx context.Context, entity string, fn func(place int, key, fp, skip []byte) error) error
}
