package source

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeFile writes content to a file called name in a fresh directory and
// returns its path.
func writeFile(t testing.TB, name string, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, content, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// readAll opens path and reads every row.
func readAll(t testing.TB, path string, opts Options) (Reader, []Row, error) {
	t.Helper()
	ctx := context.Background()
	r, err := Open(ctx, path, opts)
	if err != nil {
		return nil, nil, err
	}
	t.Cleanup(func() { r.Close() })
	var rows []Row
	for {
		row, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			return r, rows, nil
		}
		if err != nil {
			return r, rows, err
		}
		rows = append(rows, row)
	}
}

// mustReadAll is readAll that fails the test on an error.
func mustReadAll(t testing.TB, path string, opts Options) (Reader, []Row) {
	t.Helper()
	r, rows, err := readAll(t, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, rows
}

// values returns the values of rows.
func values(rows []Row) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = r.Values
	}
	return out
}

// lines returns the line numbers of rows.
func lines(rows []Row) []int {
	out := make([]int, len(rows))
	for i, r := range rows {
		out[i] = r.Line
	}
	return out
}

func equal(a, b any) bool { return reflect.DeepEqual(a, b) }
