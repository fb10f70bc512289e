package source

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPeek(t *testing.T) {
	content := "Zeta;Alpha;Mid\r\n1;\"a\r\nb\";x\r\n\r\n2;b\r\n3;c;y;extra\r\n"
	path := writeFile(t, "k.csv", []byte(content))
	tests := []struct {
		limit int
		json  string
		lines []int
	}{
		{0, `{"encoding":"utf-8","delimiter":";","columns":["Zeta","Alpha","Mid"],"rows":[` +
			`{"Zeta":"1","Alpha":"a\r\nb","Mid":"x"},{"Zeta":"2","Alpha":"b"},{"Zeta":"3","Alpha":"c","Mid":"y","(column 4)":"extra"}]}`,
			[]int{2, 5, 6}},
		{1, `{"encoding":"utf-8","delimiter":";","columns":["Zeta","Alpha","Mid"],"rows":[{"Zeta":"1","Alpha":"a\r\nb","Mid":"x"}]}`,
			[]int{2}},
	}
	for _, tc := range tests {
		res, err := Peek(context.Background(), path, Options{}, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		got, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.json {
			t.Errorf("limit %d:\n%s\nwant\n%s", tc.limit, got, tc.json)
		}
		if !equal(res.Lines, tc.lines) || res.Format != "csv" {
			t.Errorf("limit %d: lines %v format %s", tc.limit, res.Lines, res.Format)
		}
	}
}

func TestPeekSettlesEncoding(t *testing.T) {
	content := "a;b\n" + strings.Repeat("x;y\n", 30000) + "\xe4;\x80\n"
	res, err := Peek(context.Background(), writeFile(t, "k.txt", []byte(content)), Options{}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if res.Encoding != "windows-1252" || len(res.Rows) != 5 {
		t.Errorf("encoding %s, %d rows", res.Encoding, len(res.Rows))
	}
	res, err = Peek(context.Background(), writeFile(t, "k.jsonl", []byte(`{"a":"x"}`)), Options{}, 5)
	if err != nil || res.Encoding != "utf-8" || res.Format != "jsonl" || res.Delimiter != "" {
		t.Errorf("jsonl: %+v %v", res, err)
	}
}

func TestPeekErrors(t *testing.T) {
	_, err := Peek(context.Background(), writeFile(t, "k.csv", []byte("\"a\nx\n")), Options{}, 0)
	if err == nil || !strings.HasSuffix(err.Error(), "k.csv:1: quoted field opened here is never closed") {
		t.Errorf("error %v", err)
	}
}
