package core

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/handover/handover/internal/load"
)

// Held is a record a load holds back until it has met every key of its
// entity (a fix-up link to a row further on), with the target id and
// fingerprint it was given when it was met.
type Held struct {
	Record load.Record
	ID     int64
	FP     Fingerprint
	Update bool // a changed row (else a new one)
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
	r := bufio.NewReaderSize(s.f, 256<<10)
	out := make([]Held, 0, min(n, s.n))
	for range s.n {
		h, err := readHeld(r)
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

func readHeld(r *bufio.Reader) (Held, error) {
	var h Held
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
	h.Record = load.Record{Line: int(line), Values: make([]string, n)}
	var b []byte
	for i := range h.Record.Values {
		l, err := binary.ReadUvarint(r)
		if err != nil || l > 1<<30 {
			return h, errors.Join(err, errHeld)
		}
		if cap(b) < int(l) {
			b = make([]byte, l)
		}
		b = b[:l]
		if _, err := io.ReadFull(r, b); err != nil {
			return h, err
		}
		h.Record.Values[i] = string(b)
	}
	l, err := binary.ReadUvarint(r)
	if err != nil || l > 1<<30 {
		return h, errors.Join(err, errHeld)
	}
	if l > 0 {
		h.Record.Skip = make([]byte, l)
		if _, err := io.ReadFull(r, h.Record.Skip); err != nil {
			return h, err
		}
	}
	return h, nil
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
