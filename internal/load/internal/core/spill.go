package core

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/handover/handover/internal/load"
)

// Held is a record a load holds back until it has met every key of its
// entity (a fix-up link to a row further on), with the target id and
// fingerprint it was given when it was met. Read back, the record carries
// that fingerprint (Record.HasFingerprint), so it is not hashed again.
type Held struct {
	Record load.Record
	ID     int64
	FP     Fingerprint
	Update bool   // a changed row (else a new one)
	Memo   []byte // what the fixer found in its texts (RowFixer.Memo)
}

// Spill keeps held records in a temporary file, so that holding back half
// of a large load costs disk, not memory. The zero value is empty; Close
// removes the file.
type Spill struct {
	f        *os.File
	w        *bufio.Writer
	n        int
	buf      []byte
	unlinked bool
}

// Len is the number of records held.
func (s *Spill) Len() int { return s.n }

// Add holds one record.
func (s *Spill) Add(h Held) error {
	if s.f == nil {
		f, err := os.CreateTemp("", "handover-held-*")
		if err != nil {
			return fmt.Errorf("hold rows: %w", err)
		}
		// Unlinked at once where the system allows it, so that a killed
		// import leaves no file behind; Close removes it otherwise.
		s.unlinked = os.Remove(f.Name()) == nil
		s.f, s.w = f, bufio.NewWriterSize(f, 256<<10)
	}
	b := binary.AppendUvarint(s.buf[:0], uint64(h.Record.Line))
	b = binary.AppendVarint(b, h.ID)
	b = append(b, h.FP[:]...)
	b = append(b, boolByte(h.Update))
	b = binary.AppendUvarint(b, uint64(len(h.Record.Values)))
	for _, v := range h.Record.Values {
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	b = binary.AppendUvarint(b, uint64(len(h.Record.Skip))) // 0: no skip data
	b = append(b, h.Record.Skip...)
	b = binary.AppendUvarint(b, uint64(len(h.Memo)))
	b = append(b, h.Memo...)
	s.buf = b
	if _, err := s.w.Write(b); err != nil {
		return fmt.Errorf("hold rows: %w", err)
	}
	s.n++
	return nil
}

// Each calls fn with the held records, in the order they were added, at
// most n at a time.
func (s *Spill) Each(n int, fn func([]Held) error) error {
	if s.n == 0 {
		return nil
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("hold rows: %w", err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("read held rows: %w", err)
	}
	r := &heldReader{r: bufio.NewReaderSize(s.f, 256<<10)}
	out := make([]Held, 0, min(n, s.n))
	for range s.n {
		h, err := r.next()
		if err != nil {
			return fmt.Errorf("read held rows: %w", err)
		}
		if out = append(out, h); len(out) == n {
			if err := fn(out); err != nil {
				return err
			}
			out = out[:0]
		}
	}
	if len(out) > 0 {
		return fn(out)
	}
	return nil
}

var errHeld = errors.New("held rows file is damaged")

// heldReader reads held records back, reusing its buffers.
type heldReader struct {
	r    *bufio.Reader
	buf  []byte
	ends []int
}

func (hr *heldReader) next() (Held, error) {
	var h Held
	r := hr.r
	line, err := binary.ReadUvarint(r)
	if err != nil {
		return h, err
	}
	if h.ID, err = binary.ReadVarint(r); err != nil {
		return h, err
	}
	if _, err := io.ReadFull(r, h.FP[:]); err != nil {
		return h, err
	}
	u, err := r.ReadByte()
	if err != nil {
		return h, err
	}
	h.Update = u == 1
	n, err := binary.ReadUvarint(r)
	if err != nil || n > 1<<16 {
		return h, errors.Join(err, errHeld)
	}
	// The values are read into one buffer and become one string, sliced:
	// one allocation a record, not one a value.
	b, ends := hr.buf[:0], hr.ends[:0]
	for range n {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > 1<<30 || len(b)+int(l) > 1<<30 {
			return h, errors.Join(err, errHeld)
		}
		b = slices.Grow(b, int(l))
		if _, err := io.ReadFull(r, b[len(b):len(b)+int(l)]); err != nil {
			return h, err
		}
		b = b[:len(b)+int(l)]
		ends = append(ends, len(b))
	}
	hr.buf, hr.ends = b, ends
	h.Record = load.Record{Line: int(line), Values: make([]string, n), Fingerprint: h.FP, HasFingerprint: true}
	all, start := string(b), 0
	for i, end := range ends {
		h.Record.Values[i], start = all[start:end], end
	}
	if h.Record.Skip, err = readBytes(r); err != nil {
		return h, err
	}
	h.Memo, err = readBytes(r)
	return h, err
}

// readBytes reads a length and as many bytes (nil when none).
func readBytes(r *bufio.Reader) ([]byte, error) {
	l, err := binary.ReadUvarint(r)
	if err != nil || l > 1<<30 {
		return nil, errors.Join(err, errHeld)
	}
	if l == 0 {
		return nil, nil
	}
	b := make([]byte, l)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// Close removes the file.
func (s *Spill) Close() {
	if s.f != nil {
		s.f.Close()
		if !s.unlinked {
			os.Remove(s.f.Name())
		}
		s.f = nil
	}
}

func boolByte(b bool) byte {
	if b {
		return 1
	}
	return 0
}
