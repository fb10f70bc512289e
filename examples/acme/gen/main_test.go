package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestDeliveryIsCurrent fails when the committed delivery differs from what
// the generator writes: run `go run ./examples/acme/gen` and commit.
func TestDeliveryIsCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := run(dir); err != nil {
		t.Fatal(err)
	}
	wantRows := map[string]int{"firmen.csv": firmCount, "kontakte.csv": contactCount, "verkaeufe.csv": saleCount}
	for name, rows := range wantRows {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(filepath.Join("..", "delivery", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, committed) {
			t.Errorf("delivery/%s is stale: run go run ./examples/acme/gen", name)
		}
		// Records end in CRLF; line breaks inside notes are a bare LF.
		if n := bytes.Count(got, []byte("\r\n")); n != rows+1 {
			t.Errorf("%s: %d CRLF records, want %d", name, n, rows+1)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	a, b := generate(), generate()
	for i := range a {
		x, _ := encode(a[i].rows)
		y, _ := encode(b[i].rows)
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", a[i].name)
		}
	}
}
