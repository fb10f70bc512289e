package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// csvFile streams records to a file: the customer's dialect (";",
// Windows-1252, CRLF) or the clean one (",", UTF-8, LF).
type csvFile struct {
	f     *os.File
	enc   io.WriteCloser // nil for UTF-8
	w     *bufio.Writer
	delim byte
	eol   string
	quote string // characters that force quoting
	err   error
}

func createDelivery(path string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	enc := transform.NewWriter(f, charmap.Windows1252.NewEncoder())
	return &csvFile{f: f, enc: enc, w: bufio.NewWriterSize(enc, 1<<16), delim: ';', eol: "\r\n", quote: ";\"\r\n"}, nil
}

func createClean(path string) (*csvFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	return &csvFile{f: f, w: bufio.NewWriterSize(f, 1<<16), delim: ',', eol: "\n", quote: ",\"\r\n"}, nil
}

// write writes one record; the first error sticks and close returns it.
func (c *csvFile) write(rec []string) {
	if c.err != nil {
		return
	}
	for i, v := range rec {
		if i > 0 {
			c.w.WriteByte(c.delim)
		}
		if strings.ContainsAny(v, c.quote) {
			c.w.WriteByte('"')
			c.w.WriteString(strings.ReplaceAll(v, `"`, `""`))
			c.w.WriteByte('"')
			continue
		}
		c.w.WriteString(v)
	}
	_, c.err = c.w.WriteString(c.eol)
}

func (c *csvFile) close() error {
	err := c.err
	if e := c.w.Flush(); err == nil {
		err = e
	}
	if c.enc != nil {
		if e := c.enc.Close(); err == nil {
			err = e
		}
	}
	if e := c.f.Close(); err == nil {
		err = e
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", c.f.Name(), err)
	}
	return nil
}
