package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// csvReader streams a delimited text file.
type csvReader struct {
	in      *textInput
	sc      *scanner
	columns []string
	// headerLine is the line of the header row (after any blank lines).
	headerLine int
	rows       int
}

// openCSV opens a delimited text file and reads its header row.
func openCSV(path string, opts Options) (Reader, error) {
	delim, err := parseDelimiter(opts.Delimiter)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	in, err := openText(path, opts)
	if err != nil {
		return nil, err
	}
	sc := newScanner(path, in.r, sampleSize)
	if delim == 0 {
		delim = detectDelimiter(sc.sample())
	}
	sc.setDelim(delim)
	r := &csvReader{in: in, sc: sc}
	if err := r.readHeader(); err != nil {
		in.file.Close()
		return nil, err
	}
	return r, nil
}

// readHeader reads the first record as column names.
func (r *csvReader) readHeader() error {
	line, names, err := r.sc.next()
	if errors.Is(err, io.EOF) {
		return &fileError{op: r.in.path, msg: "file is empty", err: ErrEmpty}
	}
	if err != nil {
		return err
	}
	if err := checkHeader(names); err != nil {
		return fmt.Errorf("%s:%d: %w", r.in.path, line, err)
	}
	r.columns, r.headerLine = names, line
	return nil
}

// checkHeader refuses header names that are empty or appear twice.
func checkHeader(names []string) error {
	seen := make(map[string]int, len(names))
	for i, n := range names {
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("column %d has no name", i+1)
		}
		if j, ok := seen[n]; ok {
			return fmt.Errorf("column name %q appears twice (columns %d and %d)", n, j+1, i+1)
		}
		seen[n] = i
	}
	return nil
}

func (r *csvReader) Columns() []string { return r.columns }

// Next returns the next record; ragged records are returned as they are.
func (r *csvReader) Next(ctx context.Context) (Row, error) {
	r.rows++
	if r.rows%1024 == 0 {
		if err := ctx.Err(); err != nil {
			return Row{}, fmt.Errorf("read %s: %w", r.in.path, err)
		}
	}
	line, vals, err := r.sc.next()
	if err != nil {
		return Row{}, err
	}
	return Row{Line: line, Values: vals}, nil
}

func (r *csvReader) Encoding() string              { return r.in.encName() }
func (r *csvReader) Delimiter() string             { return string(r.sc.delim) }
func (r *csvReader) Progress() (done, total int64) { return r.in.progress() }
func (r *csvReader) Close() error                  { return r.in.file.Close() }
