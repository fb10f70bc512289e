package app

import (
	"math/rand/v2"
	"testing"

	"github.com/handover/handover/internal/extract"
)

func TestRecordCounter(t *testing.T) {
	cases := []struct {
		in             string
		records, lines int64
	}{
		{"", 0, 0},
		{"a;b\r\n1;2\r\n", 2, 2},
		{"a;b\n1;2", 2, 2},
		{"a;b\n\n\r\n1;\"x\ny\"\n2;3\n", 3, 4}, // blank lines are no records; a quoted line break does not end one
		{"a;b\n1;\"x \"\"q\"\" y\"\n", 2, 2},   // doubled quotes inside a quoted field
		{"{\"a\":1}\n{\"a\":2}\n", 2, 2},
	}
	for _, c := range cases {
		var rc recordCounter
		for i := 0; i < len(c.in); i++ { // byte by byte: state carries over writes
			rc.Write([]byte{c.in[i]})
		}
		if r, l := rc.finish(); r != c.records || l != c.lines {
			t.Errorf("%q: %d records, %d lines; want %d, %d", c.in, r, l, c.records, c.lines)
		}
	}
}

// TestRecordCounterChunks: the counts do not depend on how the file is
// cut into writes (the line-at-a-time path and the byte loop agree).
func TestRecordCounterChunks(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab;\"\r\n\n "
	for range 500 {
		in := make([]byte, rnd.IntN(200))
		for i := range in {
			in[i] = alphabet[rnd.IntN(len(alphabet))]
		}
		var want recordCounter
		want.bytewise(in)
		wr, wl := want.finish()
		var got recordCounter
		for rest := in; len(rest) > 0; {
			n := min(1+rnd.IntN(40), len(rest))
			got.Write(rest[:n])
			rest = rest[n:]
		}
		if r, l := got.finish(); r != wr || l != wl {
			t.Fatalf("%q: %d records, %d lines; byte by byte %d, %d", in, r, l, wr, wl)
		}
	}
}

func BenchmarkRecordCounter(b *testing.B) {
	line := []byte("4711;Müller;Hans;hans@example.ch;+41 44 123 45 67;01.02.1970;\"a note; with a semicolon\";VIP\r\n")
	plain := []byte("4712;Meier;Anna;anna@example.ch;+41 44 765 43 21;03.04.1980;;REGULAR\r\n")
	var buf []byte
	for i := range 400 {
		if i%10 == 0 {
			buf = append(buf, line...)
		} else {
			buf = append(buf, plain...)
		}
	}
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		var c recordCounter
		c.Write(buf)
	}
}

func TestSafeExt(t *testing.T) {
	for in, want := range map[string]string{"kontakte.csv": ".csv", "a.CSV.gz": ".csv.gz", "noext": "", "x.c$v": ".c_v", "d/e.xlsx": ".xlsx"} {
		if got := safeExt(in); got != want {
			t.Errorf("safeExt(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestUploadName(t *testing.T) {
	for _, bad := range []string{"", "..", ".hidden.csv", "a/b.csv", `a\b.csv`, "x\x00.csv", "a:b.csv", "d.tar", "d.tgz"} {
		if _, err := uploadName(bad); err == nil || !IsInvalid(err) {
			t.Errorf("uploadName(%q) = %v, want an InvalidError", bad, err)
		}
	}
	if n, err := uploadName("Kontakte 2026 (v2).csv"); err != nil || n != "Kontakte 2026 (v2).csv" {
		t.Errorf("a plain name: %q %v", n, err)
	}
}

func TestMemberPath(t *testing.T) {
	for _, bad := range []string{"../x.csv", "a/../../x.csv", "/etc/passwd", `C:\x.csv`, `..\x.csv`, "a\x00b"} {
		if _, err := extract.MemberPath(bad); err == nil {
			t.Errorf("extract.MemberPath(%q) accepted", bad)
		}
	}
	if p, err := extract.MemberPath("./dir//kontakte.csv"); err != nil || p != "dir/kontakte.csv" {
		t.Errorf("memberPath: %q %v", p, err)
	}
}
