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
	// Format is csv, xlsx or jsonl.
	Format string `json:"-"`
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
// first limit rows (all rows for limit 0).
func Peek(ctx context.Context, path string, opts Options, limit int) (*PeekResult, error) {
	k, err := detectKind(path)
	if err != nil {
		return nil, err
	}
	r, err := Open(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	res := &PeekResult{Format: k.String(), Columns: r.Columns(), Rows: []OrderedRow{}}
	for limit <= 0 || len(res.Rows) < limit {
		row, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		res.Rows = append(res.Rows, OrderedRow{Columns: res.Columns, Values: row.Values, Problem: row.Problem})
		res.Lines = append(res.Lines, row.Line)
	}
	if err := settleEncoding(ctx, r); err != nil {
		return nil, err
	}
	res.Encoding, res.Delimiter = r.Encoding(), r.Delimiter()
	return res, nil
}

// settleEncoding reads on, when the rows shown were all ASCII and the
// encoding was to be detected, until the encoding is known: a file whose
// first non-ASCII text comes late is still reported correctly.
func settleEncoding(ctx context.Context, r Reader) error {
	var in *textInput
	switch t := r.(type) {
	case *csvReader:
		in = t.in
	case *jsonlReader:
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
