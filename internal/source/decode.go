package source

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// encoding is a text encoding the reader decodes.
type encoding int

const (
	encAuto encoding = iota
	encUTF8
	encUTF16LE
	encUTF16BE
	encCP1252
	encLatin1
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// validEncodings lists the names parseEncoding accepts, for error messages.
const validEncodings = "utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1"

func (e encoding) String() string {
	switch e {
	case encUTF16LE:
		return "utf-16le"
	case encUTF16BE:
		return "utf-16be"
	case encCP1252:
		return "windows-1252"
	case encLatin1:
		return "iso-8859-1"
	default:
		return "utf-8"
	}
}

// parseEncoding maps an encoding name ("" = detect) to an encoding.
func parseEncoding(name string) (encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "":
		return encAuto, nil
	case "utf-8", "utf8":
		return encUTF8, nil
	case "utf-16le", "utf16le":
		return encUTF16LE, nil
	case "utf-16be", "utf16be":
		return encUTF16BE, nil
	case "windows-1252", "cp1252":
		return encCP1252, nil
	case "iso-8859-1", "latin1", "latin-1":
		return encLatin1, nil
	}
	return 0, fmt.Errorf("unknown encoding %q (valid: %s)", name, validEncodings)
}

// detectEncoding looks at the start of a file for a byte-order mark or
// UTF-16 without one. It returns the encoding to use (encAuto: decide at
// the first non-ASCII byte) and the length of the byte-order mark to skip.
// A byte-order mark is skipped only when it matches the given encoding.
func detectEncoding(sample []byte, given encoding) (encoding, int) {
	var bom encoding
	var n int
	switch {
	case hasPrefix(sample, bomUTF8):
		bom, n = encUTF8, 3
	case hasPrefix(sample, bomUTF16LE):
		bom, n = encUTF16LE, 2
	case hasPrefix(sample, bomUTF16BE):
		bom, n = encUTF16BE, 2
	}
	switch {
	case given == encAuto && n > 0:
		return bom, n
	case given == encAuto:
		return sniffUTF16(sample), 0
	case given == bom:
		return given, n
	}
	return given, 0
}

func hasPrefix(b, prefix []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

// sniffUTF16 recognises UTF-16 text without a byte-order mark by its NUL
// bytes: mostly-ASCII text has a NUL in every second byte.
func sniffUTF16(sample []byte) encoding {
	if len(sample) > 1024 {
		sample = sample[:1024]
	}
	if len(sample) < 4 {
		return encAuto
	}
	var even, odd int
	for i, c := range sample {
		if c == 0 {
			if i%2 == 0 {
				even++
			} else {
				odd++
			}
		}
	}
	half := len(sample) / 2
	switch {
	case odd*10 >= half*9 && even == 0:
		return encUTF16LE
	case even*10 >= half*9 && odd == 0:
		return encUTF16BE
	}
	return encAuto
}

// newDecoder wraps br (positioned after any byte-order mark) so that it
// yields UTF-8. The returned functions name the encoding in effect and
// tell whether it is known for good.
func newDecoder(br *bufio.Reader, enc encoding) (io.Reader, func() string, func() bool) {
	known := func() bool { return true }
	switch enc {
	case encUTF8:
		return br, enc.String, known
	case encUTF16LE, encUTF16BE:
		end := unicode.LittleEndian
		if enc == encUTF16BE {
			end = unicode.BigEndian
		}
		dec := unicode.UTF16(end, unicode.IgnoreBOM).NewDecoder()
		return transform.NewReader(br, dec), enc.String, known
	case encCP1252, encLatin1:
		d := &byteDecoder{src: br, mode: enc}
		d.table = byteTable(enc)
		return d, d.name, known
	}
	d := &byteDecoder{src: br, mode: encAuto}
	return d, d.name, d.settled
}
