// Package source reads a customer's delivery files (CSV, XLSX, JSON Lines)
// as a stream of rows, each carrying its file and line.
package source

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Options override what is otherwise detected, and say how a file is laid
// out when it is not one header row followed by data.
type Options struct {
	Encoding  string // utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1; "" = detect
	Delimiter string // one character; "" = detect (CSV only)
	Sheet     string // XLSX sheet name; "" = first sheet

	// HeaderRow is the line (sheet row) of the header, 1-based; 0 = the
	// first row. SkipRows skips that many lines (sheet rows) before the
	// header, or before the data when there is no header: HeaderRow N is
	// SkipRows N-1. Give one of them.
	HeaderRow, SkipRows int
	// FooterRows leaves out the last rows (notes, a totals row); blank
	// lines and empty sheet rows do not count.
	FooterRows int
	// NoHeader: the file has no header row. The columns are Columns, or
	// column_1 … column_N after the first row's width.
	NoHeader bool
	// Columns names the columns of a file without header (implies
	// NoHeader) or of a fixed-width file.
	Columns []string
	// Widths makes the file fixed-width: each line is cut into fields of
	// these widths, in characters, and each field trimmed of the spaces
	// that pad it. Without Columns, the header line is cut the same way.
	Widths []int
	// Table picks one table of a dump file (pg_dump, mysqldump).
	Table string
}

// skipLines is how many lines come before the header (or the data).
func (o Options) skipLines() int {
	if o.HeaderRow > 0 {
		return o.HeaderRow - 1
	}
	return o.SkipRows
}

// check refuses options that contradict each other.
func (o Options) check() error {
	switch {
	case o.HeaderRow < 0 || o.SkipRows < 0 || o.FooterRows < 0:
		return errors.New("header_row, skip_rows and footer_rows cannot be negative")
	case o.HeaderRow > 0 && o.SkipRows > 0 && o.SkipRows != o.HeaderRow-1:
		return fmt.Errorf("header_row %d and skip_rows %d contradict each other: give one of them", o.HeaderRow, o.SkipRows)
	case o.HeaderRow > 0 && (o.NoHeader || len(o.Columns) > 0):
		return errors.New("header_row names the header line, but the file has none (header: false / columns): use skip_rows")
	}
	for _, w := range o.Widths {
		if w <= 0 {
			return fmt.Errorf("widths: %d is no width (each must be at least 1)", w)
		}
	}
	if len(o.Widths) > 0 && len(o.Columns) > 0 && len(o.Widths) != len(o.Columns) {
		return fmt.Errorf("%d widths for %d columns: give one width per column", len(o.Widths), len(o.Columns))
	}
	seen := map[string]bool{}
	for _, c := range o.Columns {
		if strings.TrimSpace(c) == "" {
			return errors.New("columns: a column name is empty")
		}
		if seen[c] {
			return fmt.Errorf("columns: %q is declared twice", c)
		}
		seen[c] = true
	}
	return nil
}

// layout reports whether any option about the layout is set.
func (o Options) layout() bool {
	return o.HeaderRow > 0 || o.SkipRows > 0 || o.FooterRows > 0 || o.NoHeader || len(o.Columns) > 0 || len(o.Widths) > 0
}

// Warnings returns what a reader noticed that the user should know (a
// column renamed because its header was empty or repeated), or nil.
func Warnings(r Reader) []string {
	if w, ok := r.(interface{ Warnings() []string }); ok {
		return w.Warnings()
	}
	return nil
}

// Row is one data row. Values are exactly the stored strings after decoding
// (nothing trimmed or re-typed; xlsx dates are YYYY-MM-DD[ HH:mm:ss] and
// numbers plain decimals); a ragged row has fewer or more values than
// Columns (an xlsx row shorter than the header is padded with ""). The
// reader never reuses a Values slice.
type Row struct {
	Line   int // 1-based line (CSV/JSONL) or sheet row (XLSX) where the row starts
	Values []string
	// Problem, when not empty, says why the row cannot be read as a row of
	// Columns (for example a JSON Lines object with a key the first object
	// did not have: `unexpected key "x"`). Values hold what could be read;
	// the engine turns such a row into a reject with this message.
	Problem string
}

// Reader streams rows of one file.
type Reader interface {
	// Columns are the header names, in file order.
	Columns() []string
	// Next returns the next row, or io.EOF after the last one. Any other
	// error is fatal for the file and names the file and line.
	Next(ctx context.Context) (Row, error)
	// Encoding and Delimiter report what was detected or given
	// (Delimiter is "" for non-CSV files, Encoding is "" for xlsx).
	// A detected encoding is decided at the first non-ASCII byte; until
	// then Encoding says utf-8, so read it after the last row.
	Encoding() string
	Delimiter() string
	// Progress reports bytes consumed so far and the total (0 if unknown).
	Progress() (done, total int64)
	Close() error
}

// Reuser is an optional capability of a Reader: NextReusing is Next,
// with the row's values written into the array of vals when it is large
// enough. The caller hands back the values of a row it no longer needs —
// nothing may refer to that slice any more (the strings in it stay valid):
// a million-row file then costs one allocation a row (its text) instead
// of two, and the collector runs half as often.
type Reuser interface {
	NextReusing(ctx context.Context, vals []string) (Row, error)
}

// Reusing returns r's NextReusing when it has one, else its Next (the
// values handed back are then left alone): the reader of a loop asks once,
// not at every row.
func Reusing(r Reader) func(ctx context.Context, vals []string) (Row, error) {
	if u, ok := r.(Reuser); ok {
		return u.NextReusing
	}
	return func(ctx context.Context, _ []string) (Row, error) { return r.Next(ctx) }
}

// Repairs counts the changes a reader made to values while reading, by
// kind ("stray_bom": a byte order mark inside the file, removed from a
// value), or nil. The protocol shows the counts.
func Repairs(r Reader) map[string]int {
	if x, ok := r.(interface{ Repairs() map[string]int }); ok {
		return x.Repairs()
	}
	return nil
}

// repairs builds the Repairs map, nil when nothing was changed.
func repairs(strayBOMs int) map[string]int {
	if strayBOMs == 0 {
		return nil
	}
	return map[string]int{"stray_bom": strayBOMs}
}

// The readers of this package.
var (
	_ Reader = (*csvReader)(nil)
	_ Reader = (*xlsxReader)(nil)
	_ Reader = (*jsonlReader)(nil)
)
