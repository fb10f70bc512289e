package source

import (
	"bufio"
	"encoding/binary"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// settled reports whether detection is over: a non-ASCII byte decided
// the encoding, or there is nothing left to read.
func (d *byteDecoder) settled() bool {
	return d.mode != encAuto || d.err != nil || (d.src.Buffered() == 0 && d.eof())
}

func (d *byteDecoder) eof() bool {
	_, err := d.src.Peek(1)
	return err != nil
}

// runeBytes is the UTF-8 encoding of one decoded byte.
type runeBytes struct {
	b [3]byte
	n uint8
}

// byteTable builds the table that decodes a single-byte encoding. Bytes
// windows-1252 leaves undefined decode to the C1 control of the same
// value, so nothing is replaced.
func byteTable(enc encoding) *[256]runeBytes {
	cm := charmap.Windows1252
	if enc == encLatin1 {
		cm = charmap.ISO8859_1
	}
	var t [256]runeBytes
	for i := range t {
		r := cm.DecodeByte(byte(i))
		if r == utf8.RuneError {
			r = rune(i)
		}
		t[i].n = uint8(utf8.EncodeRune(t[i].b[:], r))
	}
	return &t
}

// byteDecoder decodes windows-1252 or iso-8859-1 with a table. In auto
// mode it passes ASCII through and, at the first non-ASCII byte, decides
// from what follows between UTF-8 (pass through from then on) and a
// single-byte encoding. Everything before was ASCII, on which all
// candidates agree, so deciding late never changes a row already read.
type byteDecoder struct {
	src   *bufio.Reader
	mode  encoding // encAuto until decided
	table *[256]runeBytes
	raw   []byte
	pend  []byte // decoded bytes not yet returned
	out   []byte
	err   error
}

func (d *byteDecoder) name() string {
	switch d.mode {
	case encAuto, encUTF8:
		return "utf-8"
	case encCP1252:
		// Detected: windows-1252, as recipes name it, even without a byte
		// 0x80–0x9F (then iso-8859-1 reads the same).
		return "windows-1252"
	}
	return d.mode.String()
}

// validText tells that the text returned so far is valid UTF-8 without
// byte order marks: decoded with a table (whatever auto mode passed
// through before deciding was ASCII).
func (d *byteDecoder) validText() bool { return d.table != nil }

const decodeChunk = 16 << 10

func (d *byteDecoder) Read(p []byte) (int, error) {
	if len(d.pend) > 0 {
		n := copy(p, d.pend)
		d.pend = d.pend[n:]
		return n, nil
	}
	if d.err != nil {
		return 0, d.err
	}
	if d.mode == encAuto {
		n, decided, err := d.readASCII(p)
		if !decided {
			return n, err
		}
	}
	if d.mode == encUTF8 {
		return d.src.Read(p)
	}
	return d.readTable(p)
}

// readASCII passes ASCII through until the first non-ASCII byte, where it
// decides the encoding.
func (d *byteDecoder) readASCII(p []byte) (int, bool, error) {
	if d.src.Buffered() == 0 {
		if _, err := d.src.Peek(1); err != nil {
			return 0, false, err
		}
	}
	chunk, _ := d.src.Peek(min(d.src.Buffered(), len(p)))
	i := firstNonASCII(chunk)
	if i < 0 {
		i = len(chunk)
	}
	if i > 0 {
		n := copy(p, chunk[:i])
		d.src.Discard(n)
		return n, false, nil
	}
	window, err := d.src.Peek(d.src.Size())
	d.decide(window, err != nil)
	return 0, true, nil
}

// decide picks the encoding for text starting at its first non-ASCII byte.
func (d *byteDecoder) decide(window []byte, atEOF bool) {
	if !atEOF {
		window = trimPartialRune(window)
	}
	if utf8.Valid(window) {
		d.mode = encUTF8
		return
	}
	// Windows-1252 and iso-8859-1 agree on 0xA0–0xFF; detected text is
	// decoded and named windows-1252, which Windows exports are.
	d.mode = encCP1252
	d.table = byteTable(encCP1252)
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := 1; i <= 3 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < 0x80 {
			return b
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i]
			}
			return b
		}
	}
	return b
}

// firstNonASCII returns the index of the first byte >= 0x80, or -1. It
// tests eight bytes at a time.
func firstNonASCII(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= 0x80 {
			return i
		}
	}
	return -1
}

// readTable decodes a chunk of single-byte text into p.
func (d *byteDecoder) readTable(p []byte) (int, error) {
	if d.raw == nil {
		d.raw = make([]byte, decodeChunk)
	}
	want := min(max(len(p)/3, 1), decodeChunk)
	n, err := d.src.Read(d.raw[:want])
	if err != nil {
		d.err = err
	}
	dst := p
	if len(p) < 3*n {
		if d.out == nil {
			d.out = make([]byte, 3*decodeChunk)
		}
		dst = d.out
	}
	j := d.decodeInto(dst, d.raw[:n])
	if len(p) < 3*n {
		k := copy(p, dst[:j])
		d.pend = dst[k:j]
		return k, nil
	}
	if j == 0 {
		return 0, d.err
	}
	return j, nil
}

// decodeInto decodes src into dst (len(dst) >= 3*len(src)) and returns
// the number of bytes written. Runs of ASCII go eight bytes at a time.
func (d *byteDecoder) decodeInto(dst, src []byte) int {
	t := d.table
	i, j := 0, 0
	for i < len(src) {
		if i+8 <= len(src) {
			if w := binary.LittleEndian.Uint64(src[i:]); w&0x8080808080808080 == 0 {
				binary.LittleEndian.PutUint64(dst[j:], w)
				i, j = i+8, j+8
				continue
			}
		}
		c := src[i]
		i++
		if c < 0x80 {
			dst[j] = c
			j++
			continue
		}
		e := &t[c]
		j += copy(dst[j:], e.b[:e.n])
	}
	return j
}
