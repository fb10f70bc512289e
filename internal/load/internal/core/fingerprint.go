package core

import "github.com/handover/handover/internal/load"

// Fingerprint identifies a record's content: load.Fingerprint of its
// canonical values in field order. "" is null in the row model, so it
// needs no marker of its own.
type Fingerprint [load.FingerprintSize]byte

// Hasher computes fingerprints, reusing one buffer.
type Hasher struct {
	buf []byte
}

// Of returns r's fingerprint: the one it carries (Record.HasFingerprint),
// else computed.
func (h *Hasher) Of(r *load.Record) Fingerprint {
	if r.HasFingerprint {
		return r.Fingerprint
	}
	return h.Sum(r.Values)
}

func (h *Hasher) Sum(values []string) Fingerprint {
	fp, b := load.Fingerprint(values, h.buf)
	h.buf = b
	return fp
}
