package source

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// scanned is what scanner.next returned for one record.
type scanned struct {
	line    int
	vals    []string
	problem string
	err     string
}

// scanAll reads src with a scanner (buffer of bufSize, delimiter ';')
// until io.EOF or an error; plain chooses whether plain records are read
// from the buffer.
func scanAll(src io.Reader, bufSize int, plain bool) []scanned {
	s := newScanner("f.csv", src, bufSize)
	s.setDelim(';')
	s.noPlain = !plain
	var out []scanned
	for range 10000 {
		line, vals, problem, err := s.next()
		if errors.Is(err, io.EOF) {
			break
		}
		r := scanned{line: line, vals: vals, problem: problem}
		if err != nil {
			r.err = err.Error()
		}
		out = append(out, r)
		if err != nil {
			break
		}
	}
	return append(out, scanned{line: s.line, problem: fmt.Sprint("boms ", s.boms)})
}

// plainSources are the ways a test feeds the scanner: the text at once,
// in pieces of one byte and of half a read, and decoded from
// windows-1252 (which the scanner trusts).
var plainSources = []struct {
	name    string
	bufSize int
	src     func([]byte) io.Reader
}{
	{"whole", 64 << 10, func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"small buffer", 16, func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"one byte", 7, func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
	{"half", 32, func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
	{"windows-1252", 24, func(b []byte) io.Reader {
		d, _, _ := newDecoder(bufio.NewReaderSize(bytes.NewReader(b), 16), encCP1252)
		return d
	}},
}

// checkPlainSame fails when reading data with the plain path differs from
// reading it with record() alone, or when how the text arrives (in which
// pieces, into which buffer) changes what is read.
func checkPlainSame(t *testing.T, data []byte) {
	t.Helper()
	var whole []scanned
	for _, src := range plainSources {
		want := scanAll(src.src(data), src.bufSize, false)
		got := scanAll(src.src(data), src.bufSize, true)
		if !equal(got, want) {
			t.Fatalf("%s: %q:\nplain   %+v\nrecord  %+v", src.name, data, got, want)
		}
		if whole == nil {
			whole = want
		} else if src.name != "windows-1252" && !equal(want, whole) {
			t.Fatalf("%s: %q:\n%+v\nread whole: %+v", src.name, data, want, whole)
		}
	}
}

func TestScannerPlainSameAsRecord(t *testing.T) {
	for _, s := range plainSeeds {
		t.Run(s, func(t *testing.T) { checkPlainSame(t, []byte(s)) })
	}
}

// TestScannerPlainTakesMost: the plain path reads well-formed records
// itself (quoted values, doubled quotes, line breaks in quotes and a lone
// '\r' included), and leaves the others to record().
func TestScannerPlainTakesMost(t *testing.T) {
	tests := []struct {
		text  string
		plain bool
		vals  []string
		lines int // line after the record
	}{
		{"a;b;c\n", true, []string{"a", "b", "c"}, 2},
		{"a;;c\r\n", true, []string{"a", "", "c"}, 2},
		{"a;\"b;x\";c\n", true, []string{"a", "b;x", "c"}, 2},
		{"a;\"b\nx\";c\r\n", true, []string{"a", "b\nx", "c"}, 3},
		{"a;b\rx;c\n", true, []string{"a", "b\rx", "c"}, 2},
		{"a;b\"x\";c\n", true, []string{"a", "b\"x\"", "c"}, 2},
		{"a;b;", true, []string{"a", "b", ""}, 1},
		{"a;\"b\"\"x\";c\n", true, []string{"a", "b\"x", "c"}, 2},
		{"\"\"\"\"\"\";\"\";\"x\"\"\"\n", true, []string{"\"\"", "", "x\""}, 2},
		{"\"a\"\"\nb\";c\"\"d;\"\"\"e\"\r\n", true, []string{"a\"\nb", "c\"\"d", "\"e"}, 3},
		{"a;\"b\"x;c\nd\n", false, []string{"a", "\"b\"x", "c"}, 2},
		{"a;\ufeffb\n", false, []string{"a", "b"}, 2},
		{"a;\xffb\n", false, nil, 2},
	}
	for _, tc := range tests {
		src := func() io.Reader { return iotest.DataErrReader(bytes.NewReader([]byte(tc.text))) }
		s := newScanner("f.csv", src(), 64)
		s.setDelim(';')
		vals, plain := s.plainRecord()
		if plain != tc.plain {
			t.Errorf("%q: plain %v, want %v", tc.text, plain, tc.plain)
		}
		if !plain {
			s = newScanner("f.csv", src(), 64)
			s.setDelim(';')
			_, vals, _, _ = s.next()
		}
		if !equal(vals, tc.vals) || s.line != tc.lines {
			t.Errorf("%q: %q to line %d, want %q to line %d", tc.text, vals, s.line, tc.vals, tc.lines)
		}
	}
}

// plainSeeds are texts at the edges of the plain path.
var plainSeeds = []string{
	"a;b;c\n1;2;3\n",
	"a;b\r\n\r\n1;2\r\n",
	"a;\"b;c\"\n\"1\n2\";3",
	"a;\"b\"\"c\";d\n1;2;3\n",
	"a;\"b\"c;d\n1;2\n",
	"a;\"open\n1;2\n3;4\n",
	"a;\"x\"\r",
	"a;\"x\"\rb\n",
	"\n\r\ufeff;\"\xff\ufeff\na\xffa\"\r\r\n;;\ra\xef\xef\n", // a quote closing the buffer, '\r' then '\r'
	"a;\"0123456789abc\"\r\r\nb\n",
	"a;\"x\"",
	"a;b\r",
	"a;b\rc\r\r\n",
	"a;b;\n;;\n",
	"x;\ufeffy\n\ufeff;z\n",
	"\xef\xbb\xbfa;b\n",
	"a;\xff\n",
	"a;\"\xff\"\n",
	"a;b\"c\"d;\"e\"\n",
	"0123456789abcdef;0123456789abcdef;0123456789abcdef\n0123456789abcdef;\"0123456789\nabcdef\";x\n",
	"Müller;Zürich;\"Grüezi; \"\"du\"\"\"\r\nÄ;Ö;Ü\r\n",
}

// FuzzScannerPlain: for any text, read through any of plainSources,
// taking plain records from the buffer gives what record() alone gives —
// values, problems, errors, lines and byte order marks removed.
func FuzzScannerPlain(f *testing.F) {
	for _, s := range plainSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(checkPlainSame)
}

// TestIndexByte: the word-at-a-time search finds what bytes.IndexByte
// finds, for every length up to 40 and every place of the byte (also
// with others of it, and bytes one above and below it, after).
func TestIndexByte(t *testing.T) {
	for n := range 41 {
		for at := -1; at < n; at++ {
			b := bytes.Repeat([]byte{'a'}, n)
			if at >= 0 {
				b[at] = ';'
				for j := at + 1; j < n; j++ {
					b[j] = ";:<\x00\xbb"[j%5]
				}
			}
			if got, want := indexByte(b, ';'), bytes.IndexByte(b, ';'); got != want {
				t.Fatalf("%q: %d, want %d", b, got, want)
			}
		}
	}
}
