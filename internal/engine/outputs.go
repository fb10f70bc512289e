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
	"github.com/handover/handover/internal/protocol"
)

// RowDigestSize is the size of one record of an entity's row digests file
// (OutputRowsPath): the row's line (uint32, big-endian) and the first 16
// bytes of the sha256 of its canonical encoding.
const RowDigestSize = 4 + 16

// OutputRowsPath is where, relative to a run's artifacts, the digests of
// an entity's valid rows are written, so that a replay can name the first
// row that differs.
func OutputRowsPath(entity string) string { return "outputs/" + entity + ".rows" }

// outputs hashes one entity's valid rows as they are accepted, in source
// order: sha256 over the field names, then per row its line and the sha256
// of its values (each length-prefixed). The same inputs give the same hash
// whatever the worker count or machine.
type outputs struct {
	total hash.Hash
	row   hash.Hash
	buf   []byte
	sum   [sha256.Size]byte
	rec   [RowDigestSize]byte
	f     *os.File
	w     *bufio.Writer
}

func newOutputs(artifacts string, e *format.Entity) (*outputs, error) {
	o := &outputs{total: sha256.New(), row: sha256.New()}
	for _, f := range e.Fields {
		o.buf = binary.AppendUvarint(o.buf, uint64(len(f.Name)))
		o.buf = append(o.buf, f.Name...)
	}
	o.total.Write(o.buf)
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

// add hashes one valid row.
func (o *outputs) add(line int, values []string) error {
	o.buf = o.buf[:0]
	for _, v := range values {
		o.buf = binary.AppendUvarint(o.buf, uint64(len(v)))
		o.buf = append(o.buf, v...)
	}
	o.row.Reset()
	o.row.Write(o.buf)
	o.row.Sum(o.sum[:0])
	binary.BigEndian.PutUint32(o.rec[:4], uint32(line))
	copy(o.rec[4:], o.sum[:16])
	o.total.Write(o.rec[:4])
	o.total.Write(o.sum[:])
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
