// Package source reads a customer's delivery files (CSV, XLSX, JSON Lines)
// as a stream of rows, each carrying its file and line.
package source

import "context"

// Options override what is otherwise detected.
type Options struct {
	Encoding  string // utf-8, utf-16le, utf-16be, windows-1252, iso-8859-1; "" = detect
	Delimiter string // one character; "" = detect (CSV only)
	Sheet     string // XLSX sheet name; "" = first sheet
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

// The readers of this package.
var (
	_ Reader = (*csvReader)(nil)
	_ Reader = (*xlsxReader)(nil)
	_ Reader = (*jsonlReader)(nil)
)
