package load

import (
	"crypto/sha256"
	"encoding/binary"
)

// fingerprint identifies a record's content: the first 16 bytes of the
// SHA-256 of its canonical values in field order, each prefixed with its
// length (so "ab","c" and "a","bc" differ). "" is null in the row model,
// so it needs no marker of its own.
type fingerprint [16]byte

// hasher computes fingerprints, reusing one buffer.
type hasher struct {
	buf []byte
}

func (h *hasher) sum(values []string) fingerprint {
	b := binary.AppendUvarint(h.buf[:0], uint64(len(values)))
	for _, v := range values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	h.buf = b
	full := sha256.Sum256(b)
	var fp fingerprint
	copy(fp[:], full[:len(fp)])
	return fp
}
