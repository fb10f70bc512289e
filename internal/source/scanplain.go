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
	nl := -1    // the next line break (an unquoted one once p passes it)
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
		if nl < p { // the line break after p, or len(b) at the end of the input
			if nl = bytes.IndexByte(b[p:], '\n'); nl >= 0 {
				nl += p
			} else if nl = len(b); !s.eof {
				return -1, 0, true
			}
		}
		// An unquoted value ends at a delimiter or the line's end: a '\r'
		// before it is part of the break, any other is text.
		if i := indexByte(b[p:nl], s.delim); i >= 0 {
			s.bound(p, p+i)
			p += i + 1
			continue
		}
		if nl == len(b) {
			s.bound(p, nl)
			return s.endPlain(b, nl, nl, breaks) // the last line, unended
		}
		end := nl
		if end > p && b[end-1] == '\r' {
			end--
		}
		s.bound(p, end)
		return s.endPlain(b, end, nl+1, breaks+1)
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
	vals := s.take(len(bounds) / 2)
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

// indexByte returns the index of the first c in b, or -1. It tests eight
// bytes at a time (a call of bytes.IndexByte costs more than a value of a
// few bytes): x-0x01… & ^x & 0x80… marks the zero bytes of x exactly up
// to the first one, which is all the search needs.
func indexByte(b []byte, c byte) int {
	pat := lowBits * uint64(c)
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ pat
		if m := (x - lowBits) &^ x & highBits; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	if i == len(b) {
		return -1
	}
	if len(b) >= 8 { // the last word again, without the bytes tested
		x := binary.LittleEndian.Uint64(b[len(b)-8:]) ^ pat
		m := ((x - lowBits) &^ x & highBits) >> (8 * (i + 8 - len(b)))
		if m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
		return -1
	}
	for ; i < len(b); i++ {
		if b[i] == c {
			return i
		}
	}
	return -1
}
