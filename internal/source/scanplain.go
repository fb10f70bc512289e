package source

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// plainRecord reads the next record straight from the buffer when it is
// well formed: every quoted value closed and followed by a delimiter or a
// line break, valid UTF-8 without byte order marks. Its text becomes one
// string with the values sliced from it — the raw text, quotes and
// delimiters included, unless a doubled quote needs undoubling. Anything
// else (a malformed or unclosed quote, a record running past the buffered
// text, invalid text) is left to record(): ok is false and nothing is
// consumed.
func (s *scanner) plainRecord() (vals []string, ok bool) {
	for try := 0; ; try++ {
		n, end, short := s.scanPlain()
		switch {
		case n >= 0:
			return s.plainFields(end, n), true
		case short && try == 0 && s.fill():
			continue // the record ran past the buffered text: read on once
		}
		return nil, false
	}
}

// scanPlain scans one well-formed record in buf[s.r:s.w] and records its
// values' bounds in s.bounds (start, end pairs, from s.r). It returns the
// number of bytes the record takes (its line break included) and where
// its text ends, or n < 0 when record() must read it; short tells that the
// buffered text ended first. s.doubled tells that a quoted value holds a
// doubled quote.
func (s *scanner) scanPlain() (n, end int, short bool) {
	b := s.buf[s.r:s.w]
	s.nb, s.doubled = 0, false
	breaks := 0 // line breaks inside quotes
	for p := 0; ; {
		if p < len(b) && b[p] == '"' {
			q := s.closingQuote(b, p+1)
			if q < 0 {
				return -1, 0, true // the closing quote and the byte after it unseen
			}
			breaks += bytes.Count(b[p+1:q], newline)
			s.bound(p+1, q)
			switch c := b[q+1]; {
			case c == s.delim:
				p = q + 2
				continue
			case c == '\n':
				return s.endPlain(b, q, q+2, breaks+1)
			case c == '\r' && q+2 < len(b) && b[q+2] == '\n':
				return s.endPlain(b, q, q+3, breaks+1)
			}
			return -1, 0, q+2 >= len(b) // text after the quote, or '\r' at the end
		}
		start := p
		for {
			i := s.indexStop(b[p:])
			if i < 0 {
				if !s.eof {
					return -1, 0, true
				}
				s.bound(start, len(b))
				return s.endPlain(b, len(b), len(b), breaks) // the last line, unended
			}
			p += i
			if c := b[p]; c == s.delim {
				s.bound(start, p)
				p++
				break
			} else if c == '\n' {
				s.bound(start, p)
				return s.endPlain(b, p, p+1, breaks+1)
			}
			// '\r': a line break before '\n', else text of the value
			if p+1 < len(b) && b[p+1] == '\n' {
				s.bound(start, p)
				return s.endPlain(b, p, p+2, breaks+1)
			}
			if p+1 >= len(b) && !s.eof {
				return -1, 0, true
			}
			p++
		}
	}
}

// bound records a value's bounds. It writes into s.bounds by index: an
// append would store the slice in the scanner each time, which costs a
// write barrier while the collector runs (most of an import).
func (s *scanner) bound(start, end int) {
	if s.nb+2 > len(s.bounds) {
		grown := make([]int, 2*len(s.bounds)+64)
		copy(grown, s.bounds)
		s.bounds = grown
	}
	s.bounds[s.nb], s.bounds[s.nb+1] = start, end
	s.nb += 2
}

// closingQuote returns the index in b of the quote closing the quoted
// value whose text starts at from, passing doubled quotes (and noting them
// in s.doubled), or -1 when it or the byte after it is not buffered.
func (s *scanner) closingQuote(b []byte, from int) int {
	for {
		q := bytes.IndexByte(b[from:], '"')
		if q < 0 || from+q+1 >= len(b) {
			return -1
		}
		q += from
		if b[q+1] != '"' {
			return q
		}
		s.doubled = true
		from = q + 2
	}
}

// endPlain finishes a well-formed record whose text ends at end and which
// takes n bytes with its line break: it checks the text (unless the
// decoder vouches for it) and counts the record's line breaks.
func (s *scanner) endPlain(b []byte, end, n, breaks int) (int, int, bool) {
	if t := b[:end]; !s.trusted && (!utf8.Valid(t) || bytes.Contains(t, bomUTF8)) {
		return -1, 0, false
	}
	s.line += breaks
	return n, end, false
}

// plainFields consumes the scanned record of n bytes whose text ends at
// end and returns its values.
func (s *scanner) plainFields(end, n int) []string {
	raw := s.buf[s.r : s.r+end]
	s.r += n
	bounds := s.bounds[:s.nb]
	if s.doubled {
		raw = s.undouble(raw, bounds)
	}
	text := string(raw)
	vals := make([]string, len(bounds)/2)
	for i := range vals {
		vals[i] = text[bounds[2*i]:bounds[2*i+1]]
	}
	return vals
}

// undouble copies the values of raw into s.out, each doubled quote of a
// quoted value as one, and points bounds into s.out.
func (s *scanner) undouble(raw []byte, bounds []int) []byte {
	out := s.out[:0]
	for i := 0; i < len(bounds); i += 2 {
		start, end := bounds[i], bounds[i+1]
		v := raw[start:end]
		bounds[i] = len(out)
		if start == 0 || raw[start-1] != '"' { // not quoted
			out = append(out, v...)
		} else {
			for j := bytes.IndexByte(v, '"'); j >= 0; j = bytes.IndexByte(v, '"') {
				out = append(out, v[:j+1]...)
				v = v[j+2:]
			}
			out = append(out, v...)
		}
		bounds[i+1] = len(out)
	}
	s.out = out
	return out
}

// Masks of eight equal bytes.
const (
	lowBits  = 0x0101010101010101
	highBits = 0x8080808080808080
)

// indexStop returns the index of the first byte of b that ends an
// unquoted run (the delimiter, '\n' or '\r'), or -1. It tests eight bytes
// at a time: x-0x01… & ^x & 0x80… marks the zero bytes of x exactly up to
// the first one, which is all the search needs.
func (s *scanner) indexStop(b []byte) int {
	d := lowBits * uint64(s.delim)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w := binary.LittleEndian.Uint64(b[i:])
		x, y, z := w^d, w^(lowBits*'\n'), w^(lowBits*'\r')
		m := (x-lowBits)&^x | (y-lowBits)&^y | (z-lowBits)&^z
		if m &= highBits; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if s.stop[b[i]] {
			return i
		}
	}
	return -1
}
