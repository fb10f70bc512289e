package source

import (
	"bytes"
	"context"
	"fmt"
)

// csvReader streams a delimited text file.
type csvReader struct {
	in   *textInput
	sc   *scanner
	rows int
}

// openCSV opens a delimited text file; every record, the header
// included, is a row (frame reads the header).
func openCSV(src input, opts Options) (*csvReader, error) {
	path := src.name
	delim, err := parseDelimiter(opts.Delimiter)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in, err := openText(src, opts)
	if err != nil {
		return nil, err
	}
	sc := newScanner(path, in.r, sampleSize)
	if delim == 0 {
		sample, complete := sc.sample()
		delim = detectBelowTitle(dropLines(sample, opts.skipLines()), complete)
	}
	sc.setDelim(delim)
	return &csvReader{in: in, sc: sc}, nil
}

// maxTitleLines is how many lines above a header detection looks past.
const maxTitleLines = 10

// detectBelowTitle detects the delimiter; when the first line does not
// contain the one detected (a title above the header, as many exports
// have), the lines below it decide, so that peek shows the file's columns
// and can point at its header.
func detectBelowTitle(sample []byte, complete bool) byte {
	s := sample
	for range maxTitleLines {
		d := detectDelimiter(s, complete)
		line, rest, found := bytes.Cut(s, []byte{'\n'})
		if bytes.IndexByte(line, d) >= 0 || !found {
			return d
		}
		s = rest
	}
	return detectDelimiter(sample, complete)
}

// dropLines cuts the first n lines off a sample (the title lines above a
// header must not decide the delimiter).
func dropLines(sample []byte, n int) []byte {
	for ; n > 0; n-- {
		i := bytes.IndexByte(sample, '\n')
		if i < 0 {
			return nil
		}
		sample = sample[i+1:]
	}
	return sample
}

func (r *csvReader) Columns() []string { return nil }

// Next returns the next record; ragged records are returned as they are,
// a malformed one as its first line with a Problem.
func (r *csvReader) Next(ctx context.Context) (Row, error) {
	r.rows++
	if r.rows%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return Row{}, fmt.Errorf("read %s: %w", r.in.path, err)
		}
	}
	line, vals, problem, err := r.sc.next()
	if err != nil {
		return Row{}, err
	}
	return Row{Line: line, Values: vals, Problem: problem}, nil
}

// NextReusing is Next with the record's values in vals' array when it
// is large enough (Reuser).
func (r *csvReader) NextReusing(ctx context.Context, vals []string) (Row, error) {
	r.sc.reuse = vals
	row, err := r.Next(ctx)
	r.sc.reuse = nil
	return row, err
}

func (r *csvReader) Repairs() map[string]int       { return repairs(r.sc.boms) }
func (r *csvReader) Encoding() string              { return r.in.encName() }
func (r *csvReader) Delimiter() string             { return string(r.sc.delim) }
func (r *csvReader) Progress() (done, total int64) { return r.in.progress() }
func (r *csvReader) Close() error                  { return r.in.file.Close() }
