package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"
	"unsafe"
)

// scanner splits decoded CSV text into records. It follows RFC 4180 with
// the leniency real exports need: a quote inside an unquoted field is a
// literal character. Field contents are kept byte for byte, line breaks
// inside quotes included. Lines are counted physically, starting at 1.
//
// A malformed record (text after the closing quote of a field, or a quote
// never closed) is a problem of its first line only: the scanner goes
// back to that line, returns it split at the delimiter with the problem,
// and resumes at the line after it. One bad line never swallows the next.
type scanner struct {
	path  string
	src   io.Reader
	reuse []string // the array the next record's values may go into (take); nil: a new one
	buf   []byte
	r, w  int // unread data is buf[r:w]
	eof   bool
	err   error // read error other than io.EOF
	delim byte
	stop  [256]bool // bytes that end an unquoted run: delim, '\n', '\r'
	line  int       // line of buf[r]
	keep  int       // start of the current record in buf, kept by fill; -1 for none
	boms  int       // stray byte order marks removed from values
	// trusted: the buffered text is valid UTF-8 without byte order marks
	// by construction (decoded from a single-byte encoding).
	trusted bool
	noPlain bool // tests: always take record()

	out    []byte // the current record's field contents, concatenated
	ends   []int  // end offset in out of each field
	bounds []int  // a plain record's values: start, end offsets from s.r
	nb     int    // bounds in use
	// doubled: the plain record has a doubled quote in a quoted value
	doubled bool
}

// validText is implemented by decoders that can vouch for their output:
// valid UTF-8 without byte order marks.
type validText interface{ validText() bool }

func newScanner(path string, src io.Reader, bufSize int) *scanner {
	return &scanner{path: path, src: src, buf: make([]byte, bufSize), line: 1, keep: -1}
}

func (s *scanner) setDelim(d byte) {
	s.delim = d
	s.stop = [256]bool{}
	s.stop[d], s.stop['\n'], s.stop['\r'] = true, true, true
}

// fill reads more data, keeping unread bytes. It reports whether new data
// arrived.
func (s *scanner) fill() bool {
	if s.eof || s.err != nil {
		return false
	}
	if from := s.compactFrom(); from > 0 {
		s.w = copy(s.buf, s.buf[from:s.w])
		s.r -= from
		if s.keep >= 0 {
			s.keep -= from
		}
	}
	if s.w == len(s.buf) {
		s.buf = append(s.buf, make([]byte, len(s.buf))...)
	}
	for range 100 {
		n, err := s.src.Read(s.buf[s.w:])
		s.w += n
		if v, ok := s.src.(validText); ok {
			// What the decoder returned before deciding was ASCII.
			s.trusted = v.validText()
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.eof = true
			} else {
				s.err = fmt.Errorf("read %s: %w", s.path, err)
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	s.err = fmt.Errorf("read %s: %w", s.path, io.ErrNoProgress)
	return false
}

// ahead reports whether n bytes are buffered at s.r, reading until they
// are or the input ends (one read may bring a single byte).
func (s *scanner) ahead(n int) bool {
	for s.w-s.r < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// compactFrom is the first buffered byte still needed.
func (s *scanner) compactFrom() int {
	if s.keep >= 0 && s.keep < s.r {
		return s.keep
	}
	return s.r
}

// sample fills the buffer (up to its size) without consuming anything and
// returns the buffered text and whether it is all of the input.
func (s *scanner) sample() ([]byte, bool) {
	for s.w-s.r < len(s.buf) && s.fill() {
	}
	return s.buf[s.r:s.w], s.eof
}

// next reads the next record, skipping blank lines. It returns the line
// the record starts on, its fields and, for a malformed record, the
// problem (the fields are then those of its first line), or io.EOF.
func (s *scanner) next() (line int, vals []string, problem string, err error) {
	if err := s.skipBlank(); err != nil {
		return 0, nil, "", err
	}
	start := s.line
	if !s.noPlain {
		if vals, ok := s.plainRecord(); ok {
			return start, vals, "", nil
		}
	}
	s.out, s.ends = s.out[:0], s.ends[:0]
	s.keep = s.r
	err = s.record()
	var bad *badQuote
	if errors.As(err, &bad) {
		s.r, s.line, s.keep = s.keep, start, -1
		vals, err := s.rawLine()
		return start, vals, bad.problem(start), err
	}
	s.keep = -1
	if err != nil {
		return start, nil, "", err
	}
	if !s.trusted && !utf8.Valid(s.out) {
		return start, nil, "", s.invalidUTF8(start)
	}
	s.dropBOMs()
	return start, s.fields(), "", nil
}

// dropBOMs removes byte order marks from the record's fields: inside a
// file one is a leftover of concatenated files, never text.
func (s *scanner) dropBOMs() {
	if !bytes.Contains(s.out, bomUTF8) {
		return
	}
	w, start := 0, 0
	for i, e := range s.ends {
		seg := s.out[start:e]
		for {
			j := bytes.Index(seg, bomUTF8)
			if j < 0 {
				break
			}
			w += copy(s.out[w:], seg[:j])
			seg = seg[j+len(bomUTF8):]
			s.boms++
		}
		w += copy(s.out[w:], seg)
		start, s.ends[i] = e, w
	}
	s.out = s.out[:w]
}

func (s *scanner) invalidUTF8(line int) error {
	return fmt.Errorf("%s:%d: not valid UTF-8 text (is the file in another encoding? set encoding: in the recipe)", s.path, line)
}

// badQuote is a malformed quoted field: text after its closing quote (on
// line), or never closed.
type badQuote struct {
	line, field int
	unclosed    bool
}

func (b *badQuote) Error() string { return b.problem(b.line) }

// problem describes the malformed record starting on line start.
func (b *badQuote) problem(start int) string {
	switch {
	case b.unclosed:
		return "quoted field opened here is never closed"
	case b.line == start:
		return fmt.Sprintf("text after the closing quote of field %d", b.field)
	}
	return fmt.Sprintf("a quoted field opened on this line runs to line %d, where text follows its closing quote: lines %d-%d would be one record; only this line is rejected, reading resumes on line %d",
		b.line, start, b.line, start+1)
}

// rawLine consumes one physical line and returns it split at the
// delimiter, quotes and all.
func (s *scanner) rawLine() ([]string, error) {
	for {
		if i := bytes.IndexByte(s.buf[s.r:s.w], '\n'); i >= 0 || !s.fill() {
			if s.err != nil {
				return nil, s.err
			}
			end := s.w
			if i >= 0 {
				end = s.r + i
			}
			raw := bytes.TrimSuffix(s.buf[s.r:end], []byte{'\r'})
			if !utf8.Valid(raw) {
				return nil, s.invalidUTF8(s.line)
			}
			vals := strings.Split(string(raw), string(s.delim))
			s.r = min(end+1, s.w)
			s.line++
			return vals, nil
		}
	}
}

// skipBlank consumes empty lines; io.EOF when the input is exhausted.
func (s *scanner) skipBlank() error {
	for {
		if s.r >= s.w && !s.fill() {
			if s.err != nil {
				return s.err
			}
			return io.EOF
		}
		switch s.buf[s.r] {
		case '\n':
			s.r++
			s.line++
			continue
		case '\r':
			if s.ahead(2) && s.buf[s.r+1] == '\n' {
				s.r += 2
				s.line++
				continue
			}
		}
		return nil
	}
}

// record scans one record into s.out and s.ends.
func (s *scanner) record() error {
	fieldStart := true
	for {
		if s.r >= s.w && !s.fill() {
			if s.err != nil {
				return s.err
			}
			s.ends = append(s.ends, len(s.out))
			return nil
		}
		if fieldStart && s.buf[s.r] == '"' {
			s.r++
			if err := s.quoted(); err != nil {
				return err
			}
		}
		fieldStart = false
		b := s.buf[s.r:s.w]
		i := 0
		for i < len(b) && !s.stop[b[i]] {
			i++
		}
		s.add(b[:i])
		s.r += i
		if i == len(b) {
			continue
		}
		switch c := b[i]; {
		case c == s.delim:
			s.ends = append(s.ends, len(s.out))
			s.r++
			fieldStart = true
		case c == '\n':
			s.ends = append(s.ends, len(s.out))
			s.r++
			s.line++
			return nil
		default: // '\r'
			if s.ahead(2) && s.buf[s.r+1] == '\n' {
				s.ends = append(s.ends, len(s.out))
				s.r += 2
				s.line++
				return nil
			}
			s.out = append(s.out, '\r')
			s.r++
		}
	}
}

// quoted scans the rest of a quoted field (the opening quote is consumed)
// up to and including its closing quote.
func (s *scanner) quoted() error {
	open := s.line
	for {
		if s.r >= s.w && !s.fill() {
			if s.err != nil {
				return s.err
			}
			return &badQuote{line: open, unclosed: true}
		}
		b := s.buf[s.r:s.w]
		i := bytes.IndexByte(b, '"')
		if i < 0 {
			s.add(b)
			s.line += bytes.Count(b, newline)
			s.r = s.w
			continue
		}
		s.add(b[:i])
		s.line += bytes.Count(b[:i], newline)
		s.r += i + 1
		if !s.ahead(1) {
			return nil // closed at the end of the input
		}
		switch c := s.buf[s.r]; {
		case c == '"':
			s.out = append(s.out, '"')
			s.r++
		case c == s.delim || c == '\n':
			return nil
		case c == '\r' && (!s.ahead(2) || s.buf[s.r+1] == '\n'):
			return nil
		default:
			return &badQuote{line: s.line, field: len(s.ends) + 1}
		}
	}
}

var newline = []byte{'\n'}

// add appends b to the record text, doubling the buffer when it grows (a
// plain append grows large slices by only a quarter, which makes a huge
// field cost several copies of itself).
func (s *scanner) add(b []byte) {
	if len(s.out)+len(b) > cap(s.out) {
		s.out = slices.Grow(s.out, max(len(b), cap(s.out)))
	}
	s.out = append(s.out, b...)
}

// bigRecord is the record size above which the scratch buffer is handed
// over to the record's text instead of copied.
const bigRecord = 4 << 20

// fields turns the scanned record into strings: one allocation for the
// text, values sliced from it. Each row gets its own Values slice (not a
// share of a larger one), so a row the caller keeps does not keep others
// alive.
func (s *scanner) fields() []string {
	var text string
	if cap(s.out) > bigRecord {
		// Hand the buffer over without copying (as strings.Builder does):
		// it is dropped here and never written again.
		text = unsafe.String(unsafe.SliceData(s.out), len(s.out))
		s.out = nil
	} else {
		text = string(s.out)
	}
	vals := s.take(len(s.ends))
	prev := 0
	for i, e := range s.ends {
		vals[i] = text[prev:e]
		prev = e
	}
	return vals
}

// take returns room for a record's n values: the array handed back in
// reuse (csvReader.NextReusing) when it is large enough, else a new one.
func (s *scanner) take(n int) []string {
	v := s.reuse
	s.reuse = nil
	if cap(v) >= n {
		return v[:n]
	}
	return make([]string, n)
}
