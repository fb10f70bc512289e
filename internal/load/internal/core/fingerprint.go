package core

import (
	"crypto/sha256"
	"encoding/binary"
)

// Fingerprint identifies a record's content: the first 16 bytes of the
// SHA-256 of its canonical values in field order, each prefixed with its
// length (so "ab","c" and "a","bc" differ). "" is null in the row model,
// so it needs no marker of its own.
type Fingerprint [16]byte

// Hasher computes fingerprints, reusing one buffer.
type Hasher struct {
	buf []byte
}

func (h *Hasher) Sum(values []string) Fingerprint {
	b := binary.AppendUvarint(h.buf[:0], uint64(len(values)))
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	h.buf = b
	full := sha256.Sum256(b)
	var fp Fingerprint
	copy(fp[:], full[:len(fp)])
	return fp
}
