package report

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/handover/handover/internal/format"
)

// TestRejectsKeepEveryByte: a rejects file gives back every byte of the
// values (other than the formula guard): lone CRs, CRLF and LF inside a
// value, quotes, delimiters.
func TestRejectsKeepEveryByte(t *testing.T) {
	values := []string{"\r=2+2", "a\rb", "l1\nl2", "l1\r\nl2", `q"q`, "x,y", " lead", "\r"}
	var buf bytes.Buffer
	w, err := NewRejectsWriter(&buf, []string{"a", "b", "c", "d", "e", "f", "g", "h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(2, []format.Problem{{Message: "x"}}, values, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("\"'\r=2+2\"")) {
		t.Errorf("the formula guard is missing: %q", buf.Bytes())
	}
	_, rows, err := ReadRejects(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || !reflect.DeepEqual(rows[0].Values, values) {
		t.Errorf("read back %+v, want %q", rows, values)
	}
}
