package report

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CSVWriter writes RFC 4180 records with ',' and CRLF line ends and keeps
// every byte of a value: unlike encoding/csv with UseCRLF, it neither
// drops a lone CR nor turns LF into CRLF inside a quoted value. Rejects
// files use it.
type CSVWriter struct {
	w *bufio.Writer
}

// NewCSVWriter returns a CSVWriter buffering into w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: bufio.NewWriter(w)} }

// Write writes one record.
func (c *CSVWriter) Write(rec []string) error {
	for i, f := range rec {
		if i > 0 {
			c.w.WriteByte(',')
		}
		if !needsQuotes(f) {
			c.w.WriteString(f)
			continue
		}
		c.w.WriteByte('"')
		c.w.WriteString(strings.ReplaceAll(f, `"`, `""`))
		c.w.WriteByte('"')
	}
	_, err := c.w.WriteString("\r\n")
	return err
}

// Flush writes what is buffered.
func (c *CSVWriter) Flush() error { return c.w.Flush() }

func needsQuotes(f string) bool {
	return f != "" && (strings.ContainsAny(f, ",\"\r\n") || f[0] == ' ' || f[0] == '\t')
}

// csvReader reads what csvWriter writes (and any RFC 4180 file with ','),
// keeping quoted values byte for byte.
type csvReader struct {
	r    *bufio.Reader
	line int // physical line of the next byte, from 1
	sb   strings.Builder
}

func newCSVReader(r io.Reader) *csvReader { return &csvReader{r: bufio.NewReader(r), line: 1} }

// read returns the next record and the line it starts on, or io.EOF.
func (c *csvReader) read() ([]string, int, error) {
	start := c.line
	if _, err := c.r.Peek(1); err != nil {
		return nil, start, io.EOF
	}
	var rec []string
	for {
		f, end, err := c.field()
		if err != nil {
			return nil, start, fmt.Errorf("line %d: %w", start, err)
		}
		rec = append(rec, f)
		if end {
			return rec, start, nil
		}
	}
}

// field reads one field and reports whether it ended the record.
func (c *csvReader) field() (string, bool, error) {
	c.sb.Reset()
	b, err := c.r.ReadByte()
	if err != nil {
		return "", true, nil
	}
	if b == '"' {
		return c.quoted()
	}
	for {
		switch b {
		case ',':
			return c.sb.String(), false, nil
		case '\n':
			c.line++
			return strings.TrimSuffix(c.sb.String(), "\r"), true, nil
		}
		c.sb.WriteByte(b)
		if b, err = c.r.ReadByte(); err != nil {
			return c.sb.String(), true, nil
		}
	}
}

// quoted reads the rest of a quoted field.
func (c *csvReader) quoted() (string, bool, error) {
	for {
		b, err := c.r.ReadByte()
		if err != nil {
			return "", true, errors.New("quoted field never closed")
		}
		if b == '\n' {
			c.line++
		}
		if b != '"' {
			c.sb.WriteByte(b)
			continue
		}
		next, err := c.r.ReadByte()
		switch {
		case err != nil:
			return c.sb.String(), true, nil
		case next == '"':
			c.sb.WriteByte('"')
		case next == ',':
			return c.sb.String(), false, nil
		case next == '\n':
			c.line++
			return c.sb.String(), true, nil
		case next == '\r':
			if n, err := c.r.ReadByte(); err == nil && n == '\n' {
				c.line++
				return c.sb.String(), true, nil
			}
			return "", true, errors.New("text after a closing quote")
		default:
			return "", true, errors.New("text after a closing quote")
		}
	}
}
