package source

import (
	"context"
	"strings"
	"testing"
)

// TestStrayBOMRemoved: a byte order mark inside the file (two files
// concatenated) is removed from the values, and counted.
func TestStrayBOMRemoved(t *testing.T) {
	r, rows := mustReadAll(t, writeFile(t, "k.csv", []byte("\ufeffa;b\n1;x\n\ufeff2;y\ufeff\n")), Options{})
	if want := [][]string{{"1", "x"}, {"2", "y"}}; !equal(values(rows), want) {
		t.Errorf("values %q, want %q", values(rows), want)
	}
	if got := Repairs(r); got["stray_bom"] != 2 {
		t.Errorf("repairs %v, want stray_bom 2", got)
	}
	r, rows = mustReadAll(t, writeFile(t, "k.jsonl", []byte("{\"a\":\"1\"}\n{\"a\":\"\ufeff2\"}\n{\"a\":\"\\ufeff3\"}\n")), Options{})
	if want := [][]string{{"1"}, {"2"}, {"3"}}; !equal(values(rows), want) {
		t.Errorf("jsonl values %q, want %q", values(rows), want)
	}
	if got := Repairs(r); got["stray_bom"] != 2 {
		t.Errorf("jsonl repairs %v, want stray_bom 2", got)
	}
}

// TestJSONLBadLinesAreRowProblems: a line that is not a JSON object (a
// BOM in front of it, broken JSON) or holds a lone surrogate is a problem
// of that line; the next lines are read.
func TestJSONLBadLinesAreRowProblems(t *testing.T) {
	content := "{\"a\":\"1\",\"b\":\"x\"}\n" +
		"\ufeff{\"a\":\"2\",\"b\":\"y\"}\n" +
		"{\"a\":\"3\",\"b\":\"\\ud800z\"}\n" +
		"{\"a\":\"4\",\"b\":\"\\udc00\"}\n" +
		"{\"a\":\"5\",\"b\":\"\\ud83d\\ude00\"}\n" +
		"{\"a\":\"6\",\n" +
		"{\"a\":\"7\",\"b\":\"\\\\ud800\"}\n"
	_, rows := mustReadAll(t, writeFile(t, "k.jsonl", []byte(content)), Options{})
	want := []struct {
		line    int
		problem string
	}{{1, ""}, {2, "byte order mark"}, {3, `"b": \ud800 is a lone surrogate`}, {4, `"b": \udc00 is a lone surrogate`}, {5, ""}, {6, "invalid JSON"}, {7, ""}}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		r := rows[i]
		if r.Line != w.line || (w.problem == "") != (r.Problem == "") || !strings.Contains(r.Problem, w.problem) {
			t.Errorf("row %d: line %d problem %q, want line %d problem %q", i, r.Line, r.Problem, w.line, w.problem)
		}
	}
	if rows[4].Values[1] != "😀" || rows[6].Values[1] != `\ud800` {
		t.Errorf("values %q %q", rows[4].Values, rows[6].Values)
	}
}

// TestJSONLArrayLine: a later line that is not an object is a row problem.
func TestJSONLArrayLine(t *testing.T) {
	_, rows := mustReadAll(t, writeFile(t, "k.jsonl", []byte("{\"a\": 1}\n{\"a\": 2}\n\n[1, 2]\n{\"a\": 3}\n")), Options{})
	if len(rows) != 4 || rows[2].Line != 4 || rows[2].Problem != "not a JSON object" || rows[2].Values[0] != "[1, 2]" || rows[3].Values[0] != "3" {
		t.Errorf("rows %+v", rows)
	}
}

// TestStrayBOMCountedOverFiles: the repairs of several files of one
// entity add up.
func TestStrayBOMCountedOverFiles(t *testing.T) {
	a := writeFile(t, "k_1.csv", []byte("a;b\n\ufeff1;x\n"))
	b := writeFile(t, "k_2.csv", []byte("a;b\n\ufeff2;y\n3;z\ufeff\n"))
	ctx := context.Background()
	r, err := OpenFiles(ctx, []File{{Path: a, Name: "k_1.csv"}, {Path: b, Name: "k_2.csv"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for {
		if _, err := r.Next(ctx); err != nil {
			break
		}
	}
	if got := Repairs(r); got["stray_bom"] != 3 {
		t.Errorf("repairs %v, want stray_bom 3", got)
	}
}
