package source

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// maxFixedLine bounds one line of a fixed-width file (its records are
// short; a longer line means the file is something else).
const maxFixedLine = 1 << 20

// fixedReader streams a fixed-width text file (a mainframe export): each
// non-blank line is cut into fields of the declared widths, in characters.
type fixedReader struct {
	in     *textInput
	br     *bufio.Reader
	widths []int
	total  int // sum of widths
	line   int // lines read so far
	buf    []byte
}

func openFixed(src input, opts Options) (*fixedReader, error) {
	in, err := openText(src, opts)
	if err != nil {
		return nil, err
	}
	r := &fixedReader{in: in, br: bufio.NewReaderSize(in.r, sampleSize), widths: opts.Widths}
	for _, w := range opts.Widths {
		r.total += w
	}
	return r, nil
}

func (r *fixedReader) Columns() []string { return nil }

// Next cuts the next non-blank line. A line shorter than the widths has
// empty trailing fields (exports often strip trailing spaces); a longer
// one is returned with its overflow as an extra value and a Problem.
func (r *fixedReader) Next(ctx context.Context) (Row, error) {
	if r.line%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return Row{}, fmt.Errorf("read %s: %w", r.in.path, err)
		}
	}
	for {
		text, err := r.readLine()
		if err != nil {
			return Row{}, err
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		return r.cut(text), nil
	}
}

// readLine returns the next line without its line end.
func (r *fixedReader) readLine() (string, error) {
	r.buf = r.buf[:0]
	for {
		chunk, err := r.br.ReadSlice('\n')
		if len(r.buf)+len(chunk) > maxFixedLine {
			return "", fmt.Errorf("%s:%d: line longer than %d bytes: not a fixed-width file", r.in.path, r.line+1, maxFixedLine)
		}
		r.buf = append(r.buf, chunk...)
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) && len(r.buf) == 0 {
			return "", io.EOF
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read %s: %w", r.in.path, err)
		}
		break
	}
	r.line++
	b := r.buf
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s:%d: not valid UTF-8 text (is the file in another encoding? set encoding: in the recipe)", r.in.path, r.line)
	}
	return string(b), nil
}

// cut splits one line into its fields.
func (r *fixedReader) cut(text string) Row {
	row := Row{Line: r.line, Values: make([]string, len(r.widths))}
	rest := text
	for i, w := range r.widths {
		end, n := len(rest), 0
		for j := range rest {
			if n == w {
				end = j
				break
			}
			n++
		}
		row.Values[i], rest = strings.TrimSpace(rest[:end]), rest[end:]
	}
	if strings.TrimSpace(rest) != "" {
		row.Values = append(row.Values, strings.TrimSpace(rest))
		row.Problem = fmt.Sprintf("line is %d characters long, the widths add up to %d", utf8.RuneCountInString(text), r.total)
	}
	return row
}

func (r *fixedReader) Encoding() string              { return r.in.encName() }
func (r *fixedReader) Delimiter() string             { return "" }
func (r *fixedReader) Progress() (done, total int64) { return r.in.progress() }
func (r *fixedReader) Close() error                  { return r.in.file.Close() }
