package engine

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"path/filepath"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
)

// RowDigestSize is the size of one record of an entity's row digests file
// (OutputRowsPath): the row's line (uint32, big-endian) and its
// fingerprint.
const RowDigestSize = 4 + load.FingerprintSize

// OutputRowsPath is where, relative to a run's artifacts, the digests of
// an entity's valid rows are written, so that a replay can name the first
// row that differs.
func OutputRowsPath(entity string) string { return "outputs/" + entity + ".rows" }

// rowDigest is one row's fingerprint (load.Fingerprint of its canonical
// values): the same the environment's bookkeeping holds, so that a row
// the delta path skips chains the fingerprint stored for it.
type rowDigest [load.FingerprintSize]byte

// rowDigester computes row digests; one per worker.
type rowDigester struct {
	buf []byte
}

func newRowDigester() *rowDigester { return &rowDigester{} }

func (d *rowDigester) sum(values []string, out *rowDigest) {
	fp, b := load.Fingerprint(values, d.buf)
	d.buf = b
	*out = fp
}

// outputs hashes one entity's valid rows as they are accepted, in source
// order: sha256 over the field names, then per row its line and its
// digest (computed on the workers, or the bookkeeping's for a skipped row). The same inputs give the same hash
// whatever the worker count or machine.
type outputs struct {
	total hash.Hash
	rec   [RowDigestSize]byte
	f     *os.File
	w     *bufio.Writer
}

func newOutputs(artifacts string, e *format.Entity) (*outputs, error) {
	o := &outputs{total: sha256.New()}
	var head []byte
	for _, f := range e.Fields {
		head = binary.AppendUvarint(head, uint64(len(f.Name)))
		head = append(head, f.Name...)
	}
	o.total.Write(head)
	if artifacts == "" {
		return o, nil
	}
	path := filepath.Join(artifacts, filepath.FromSlash(OutputRowsPath(e.Name)))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("create outputs directory: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create row digests: %w", err)
	}
	o.f, o.w = f, bufio.NewWriterSize(f, 64<<10)
	return o, nil
}

// add chains one valid row's digest into the entity's hash.
func (o *outputs) add(line int, d *rowDigest) error {
	binary.BigEndian.PutUint32(o.rec[:4], uint32(line))
	copy(o.rec[4:], d[:])
	o.total.Write(o.rec[:])
	if o.w != nil {
		if _, err := o.w.Write(o.rec[:]); err != nil {
			return fmt.Errorf("write row digests: %w", err)
		}
	}
	return nil
}

// finish closes the digests file and returns the entity's output hashes.
func (o *outputs) finish(rejects hash.Hash) (*protocol.Output, error) {
	out := &protocol.Output{Valid: "sha256:" + hex.EncodeToString(o.total.Sum(nil))}
	if rejects != nil {
		out.Rejects = "sha256:" + hex.EncodeToString(rejects.Sum(nil))
	}
	return out, o.close()
}

func (o *outputs) close() error {
	if o.f == nil {
		return nil
	}
	err := o.w.Flush()
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	o.f = nil
	if err != nil {
		return fmt.Errorf("write row digests: %w", err)
	}
	return nil
}
