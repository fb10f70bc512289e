package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCSV reads arbitrary bytes as a CSV file, detected and with a fixed
// ';' and utf-8. It never panics, errors name the file, lines strictly
// increase, and input without quotes comes back exactly: its records
// joined by ';' are its non-blank lines (byte order marks inside the file
// removed).
func FuzzCSV(f *testing.F) {
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(dir, "fuzz.csv")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		readChecked(t, path, Options{})
		records, err := readChecked(t, path, Options{Delimiter: ";", Encoding: "utf-8"})
		plain := bytes.TrimPrefix(data, bomUTF8)
		if bytes.ContainsAny(plain, "\"\x00") || !utf8.Valid(plain) {
			return
		}
		want, wantLines := physicalRecords(string(plain))
		for i := range want { // a byte order mark inside the file is removed
			want[i] = strings.ReplaceAll(want[i], "\ufeff", "")
		}
		if err != nil {
			if len(want) > 0 {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		var got []string
		var gotLines []int
		for _, r := range records {
			got = append(got, strings.Join(r.Values, ";"))
			gotLines = append(gotLines, r.Line)
		}
		if !equal(got, want) || !equal(gotLines, wantLines) {
			t.Fatalf("records %q at %v, want %q at %v", got, gotLines, want, wantLines)
		}
	})
}

// readChecked reads the header (as a row at its line) and all rows,
// checking what must hold for any input.
func readChecked(t *testing.T, path string, opts Options) ([]Row, error) {
	ctx := context.Background()
	r, err := Open(ctx, path, opts)
	if err != nil {
		checkErr(t, path, err)
		return nil, err
	}
	defer r.Close()
	header := Row{Line: 1, Values: r.Columns()}
	if f, ok := r.(*framed); ok {
		header.Line, header.Values = f.headerLine, f.header
	}
	rows := []Row{header}
	for {
		row, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			checkErr(t, path, err)
			return rows, err
		}
		if prev := rows[len(rows)-1].Line; row.Line <= prev {
			t.Fatalf("line %d after line %d", row.Line, prev)
		}
		rows = append(rows, row)
	}
}

func checkErr(t *testing.T, path string, err error) {
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error does not name the file: %v", err)
	}
}

// physicalRecords splits unquoted text into its non-blank lines (a line
// break is "\n" or "\r\n") and their line numbers.
func physicalRecords(s string) ([]string, []int) {
	parts := strings.Split(s, "\n")
	var recs []string
	var nums []int
	for i, p := range parts {
		if i < len(parts)-1 {
			p = strings.TrimSuffix(p, "\r")
		}
		if p == "" {
			continue
		}
		recs = append(recs, p)
		nums = append(nums, i+1)
	}
	return recs, nums
}
