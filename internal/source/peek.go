package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// PeekResult is what `handover peek` shows about a file: how it was read
// and its first rows.
type PeekResult struct {
	Encoding  string       `json:"encoding"`  // "" for xlsx
	Delimiter string       `json:"delimiter"` // "" unless CSV
	Columns   []string     `json:"columns"`
	Rows      []OrderedRow `json:"rows"`
	// Lines[i] is the line (sheet row for xlsx) Rows[i] starts on.
	Lines []int `json:"-"`
	// Warnings say what the reader noticed: a column renamed because its
	// header was empty or repeated, a layout to configure.
	Warnings []string `json:"warnings,omitempty"`
	// Format is csv, xlsx, jsonl, fixed or dump.
	Format string `json:"-"`
	// Dump and Tables describe a dump file peeked without a table: its
	// kind and its tables, with their columns and row counts.
	Dump   string      `json:"dump,omitempty"`
	Tables []DumpTable `json:"tables,omitempty"`
}

// OrderedRow is one row of a PeekResult. It marshals to a JSON object
// whose keys follow the column order; values beyond the last column (a
// ragged row) get the keys "(column N)", missing values are left out.
type OrderedRow struct {
	Columns []string
	Values  []string
	Problem string // see Row.Problem; not part of the JSON
}

// MarshalJSON writes the row as an object in column order.
func (o OrderedRow) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, v := range o.Values {
		key := fmt.Sprintf("(column %d)", i+1)
		if i < len(o.Columns) {
			key = o.Columns[i]
		}
		if i > 0 {
			b.WriteByte(',')
		}
		writeJSONString(&b, key)
		b.WriteByte(':')
		writeJSONString(&b, v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func writeJSONString(b *bytes.Buffer, s string) {
	enc, _ := json.Marshal(s) // a string always marshals
	b.Write(enc)
}

// Peek reads how a file is encoded and delimited, its columns and its
// first limit rows (all rows for limit 0). When reading fails after the
// header, it returns the rows before the failure together with the error.
func Peek(ctx context.Context, path string, opts Options, limit int) (*PeekResult, error) {
	if opts.Table == "" && !IsPattern(path) {
		tables, kind, ok, err := PeekDump(ctx, path, opts)
		if err != nil {
			return nil, err
		}
		if ok {
			return &PeekResult{Format: "dump", Dump: kind, Tables: tables, Columns: []string{}, Rows: []OrderedRow{}}, nil
		}
	}
	r, err := Open(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	res := &PeekResult{Format: formatOf(r), Columns: r.Columns(), Rows: []OrderedRow{}}
	for limit <= 0 || len(res.Rows) < limit {
		row, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return res.finish(r), err
		}
		res.Rows = append(res.Rows, OrderedRow{Columns: res.Columns, Values: row.Values, Problem: row.Problem})
		res.Lines = append(res.Lines, row.Line)
	}
	if err := settleEncoding(ctx, r); err != nil {
		return res.finish(r), err
	}
	return res.finish(r), nil
}

// finish fills in what the reader knows once the rows are read. A result
// finished after a read error still shows the rows before it: Peek returns
// both.
func (res *PeekResult) finish(r Reader) *PeekResult {
	res.Encoding, res.Delimiter = r.Encoding(), r.Delimiter()
	res.Warnings = append(Warnings(r), layoutHints(res)...)
	return res
}

// formatOf names the format a reader reads.
func formatOf(r Reader) string {
	switch t := r.(type) {
	case *framed:
		return formatOf(t.Reader)
	case *multiReader:
		return formatOf(t.cur)
	case *xlsxReader:
		return "xlsx"
	case *jsonlReader:
		return "jsonl"
	case *fixedReader:
		return "fixed"
	case *dumpReader:
		return "dump"
	default:
		return "csv"
	}
}

// layoutHints guess, from the rows shown, what a file's layout needs: when
// most rows have more values than there are columns, the real header is
// further down (a title above it).
func layoutHints(res *PeekResult) []string {
	if len(res.Rows) < 3 {
		return nil
	}
	wide := 0
	for _, row := range res.Rows {
		if len(row.Values) > len(res.Columns) {
			wide++
		}
	}
	if 2*wide <= len(res.Rows) {
		return nil
	}
	for i, row := range res.Rows {
		if len(row.Values) > len(res.Columns) && i < len(res.Lines) {
			return []string{fmt.Sprintf("most rows have more values than the %d columns of the header: is the header on line %d? set header_row: %d (peek --header-row %d)",
				len(res.Columns), res.Lines[i], res.Lines[i], res.Lines[i])}
		}
	}
	return nil
}

// settleEncoding reads on, when the rows shown were all ASCII and the
// encoding was to be detected, until the encoding is known: a file whose
// first non-ASCII text comes late is still reported correctly.
func settleEncoding(ctx context.Context, r Reader) error {
	var in *textInput
	inner := r
	if f, ok := r.(*framed); ok {
		inner = f.Reader
	}
	switch t := inner.(type) {
	case *csvReader:
		in = t.in
	case *jsonlReader:
		in = t.in
	case *fixedReader:
		in = t.in
	default:
		return nil
	}
	for !in.settled() {
		if _, err := r.Next(ctx); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
	}
	return nil
}
