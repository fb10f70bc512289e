package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// framed turns the raw rows of a delimited, fixed-width or xlsx file into a
// source: it skips the lines above the header, takes the header (or the
// declared columns), names unnamed and repeated columns, and holds back the
// footer rows at the end.
type framed struct {
	Reader  // the raw reader: Columns is nil, every row is returned
	path    string
	columns []string
	// headerLine is the line of the header row (0 without header) and
	// header its names as written.
	headerLine int
	header     []string
	warnings   []string
	pad        bool  // pad short rows to the header (xlsx stores no empty cells)
	held       []Row // rows read ahead, for the footer
	// next is raw's NextReusing, or its Next (Reusing).
	next   func(ctx context.Context, vals []string) (Row, error)
	footer int
	eof    bool
}

// frame reads the header of raw as opts say and returns the source. On
// error raw is closed.
func frame(ctx context.Context, raw Reader, path string, opts Options, pad bool) (Reader, error) {
	f := &framed{Reader: raw, path: path, pad: pad, footer: opts.FooterRows, next: Reusing(raw)}
	if err := f.start(ctx, opts); err != nil {
		raw.Close()
		return nil, err
	}
	return f, nil
}

func (f *framed) start(ctx context.Context, opts Options) error {
	skip := opts.skipLines()
	var first Row
	for {
		row, err := f.Reader.Next(ctx)
		if errors.Is(err, io.EOF) {
			if skip > 0 {
				return fmt.Errorf("%s: no rows after line %d (skip_rows / header_row)", f.path, skip)
			}
			if e, ok := f.Reader.(interface{ emptyError() error }); ok {
				return e.emptyError()
			}
			return &fileError{op: f.path, msg: "file is empty", err: ErrEmpty}
		}
		if err != nil {
			return err
		}
		if row.Line > skip {
			first = row
			break
		}
	}
	if opts.NoHeader || len(opts.Columns) > 0 {
		f.columns = opts.Columns
		if len(f.columns) == 0 {
			f.columns = numbered(len(first.Values))
		}
		f.held = append(f.held, first)
		f.limitColumns()
		return nil
	}
	if first.Problem != "" {
		return fmt.Errorf("%s:%d: %s", f.path, first.Line, first.Problem)
	}
	f.columns, f.warnings = nameColumns(first.Values)
	f.limitColumns()
	f.headerLine, f.header = first.Line, first.Values
	for i := range f.warnings {
		f.warnings[i] = fmt.Sprintf("%s:%d: %s", f.path, first.Line, f.warnings[i])
	}
	return nil
}

// limitColumns tells a reader that bounds the width of rows (xlsx) how
// many columns the file has.
func (f *framed) limitColumns() {
	if l, ok := f.Reader.(interface{ limitColumns(int) }); ok {
		l.limitColumns(len(f.columns))
	}
}

// numbered returns column_1 … column_n.
func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = "column_" + strconv.Itoa(i+1)
	}
	return out
}

// nameColumns makes header names usable: an empty name becomes column_N
// (N its 1-based position) and a repeated one Name_2, Name_3, … — never
// colliding with another name of the header. Each change is a warning.
func nameColumns(header []string) ([]string, []string) {
	taken := make(map[string]bool, len(header))
	for _, h := range header {
		taken[h] = true
	}
	seen := make(map[string]int, len(header))
	out := make([]string, len(header))
	var warnings []string
	for i, h := range header {
		name := h
		switch {
		case strings.TrimSpace(h) == "":
			name = unique("column_"+strconv.Itoa(i+1), taken)
			warnings = append(warnings, fmt.Sprintf("column %d has no name: it is called %s", i+1, name))
		case seen[h] > 0:
			for n := seen[h] + 1; ; n++ {
				if c := h + "_" + strconv.Itoa(n); !taken[c] {
					name = c
					break
				}
			}
			taken[name] = true
			warnings = append(warnings, fmt.Sprintf("column name %q appears again in column %d: it is called %s", h, i+1, name))
		}
		seen[h]++
		out[i] = name
	}
	return out, warnings
}

// unique returns name, or name with _2, _3, … appended, whichever is not
// taken yet, and takes it.
func unique(name string, taken map[string]bool) string {
	c := name
	for n := 2; taken[c]; n++ {
		c = name + "_" + strconv.Itoa(n)
	}
	taken[c] = true
	return c
}

func (f *framed) Columns() []string { return f.columns }

// Repairs are the raw reader's (see Repairs).
func (f *framed) Repairs() map[string]int { return Repairs(f.Reader) }

// Warnings says which columns were renamed.
func (f *framed) Warnings() []string { return f.warnings }

// NextReusing is Next, reusing vals' array (Reuser) when no row is held
// back for the footer.
func (f *framed) NextReusing(ctx context.Context, vals []string) (Row, error) {
	if f.footer != 0 || len(f.held) != 0 || f.eof {
		return f.nextHeld(ctx)
	}
	// Nothing held back: the row goes straight on (queueing it in held
	// costs two copies with write barriers).
	row, err := f.next(ctx, vals)
	if errors.Is(err, io.EOF) {
		f.eof = true
	}
	if err != nil {
		return Row{}, err
	}
	return f.padded(row), nil
}

// Next returns the next data row; the last FooterRows rows are never
// returned.
func (f *framed) Next(ctx context.Context) (Row, error) { return f.NextReusing(ctx, nil) }

// nextHeld reads rows ahead into held, so that the last FooterRows rows are
// never returned, and returns the first.
func (f *framed) nextHeld(ctx context.Context) (Row, error) {
	for !f.eof && len(f.held) <= f.footer {
		row, err := f.Reader.Next(ctx)
		if errors.Is(err, io.EOF) {
			f.eof = true
			break
		}
		if err != nil {
			return Row{}, err
		}
		f.held = append(f.held, row)
	}
	if len(f.held) <= f.footer {
		return Row{}, io.EOF
	}
	row := f.held[0]
	f.held[0] = Row{}
	f.held = f.held[1:]
	return f.padded(row), nil
}

// padded pads a short row to the columns when the reader stores no empty
// cells.
func (f *framed) padded(row Row) Row {
	if f.pad && len(row.Values) < len(f.columns) {
		row.Values = append(row.Values, make([]string, len(f.columns)-len(row.Values))...)
	}
	return row
}
