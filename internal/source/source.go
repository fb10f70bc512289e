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
// (nothing trimmed or re-typed); a ragged row has fewer or more values than
// Columns. The reader never reuses a Values slice.
type Row struct {
	Line   int // 1-based line (CSV/JSONL) or sheet row (XLSX) where the row starts
	Values []string
}

// Reader streams rows of one file.
type Reader interface {
	// Columns are the header names, in file order.
	Columns() []string
	// Next returns the next row, or io.EOF after the last one. Any other
	// error is fatal for the file and names the file and line.
	Next(ctx context.Context) (Row, error)
	// Encoding and Delimiter report what was detected or given
	// (Delimiter is "" for non-CSV files).
	Encoding() string
	Delimiter() string
	// Progress reports bytes consumed so far and the total (0 if unknown).
	Progress() (done, total int64)
	Close() error
}
