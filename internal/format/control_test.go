package format

import (
	"strings"
	"testing"
)

// TestNormalizeControlCharacters: a control character (other than tab, CR
// and LF), an undefined windows-1252 byte (decoded to its C1 control) or a
// bidi override is a reject naming the field and the code point, unless
// the field allows control characters.
func TestNormalizeControlCharacters(t *testing.T) {
	f := &Field{Name: "note", Type: String}
	for _, tc := range []struct{ in, code string }{
		{"a\x1bb", "U+001B"},
		{"ring\x07", "U+0007"},
		{"abc\u202Egnp.exe", "U+202E"},
		{"x\u2066y", "U+2066"},
		{"M\u0081ller", "U+0081"},
		{"M\u009dller", "U+009D"},
	} {
		_, p := f.Normalize(tc.in)
		if p == nil || p.Rule != "control" || p.Field != "note" || !strings.Contains(p.Message, tc.code) {
			t.Errorf("Normalize(%q) = %+v, want a control problem naming %s", tc.in, p, tc.code)
		}
	}
	for _, ok := range []string{"a\tb", "l1\r\nl2", "l1\nl2", "Müller", "שלום\u200f"} {
		if got, p := f.Normalize(ok); p != nil || got != ok {
			t.Errorf("Normalize(%q) = %q, %+v", ok, got, p)
		}
	}
	allow := &Field{Name: "raw", Type: String, AllowControl: true}
	if got, p := allow.Normalize("a\x1bb"); p != nil || got != "a\x1bb" {
		t.Errorf("allow_control: %q, %+v", got, p)
	}
	if _, p := f.NormalizeCanonical("a\x1bb"); p == nil || p.Rule != "control" {
		t.Errorf("NormalizeCanonical: %+v", p)
	}
}

// TestPatternHint: a pattern_hint replaces the regular expression in the
// message the customer reads.
func TestPatternHint(t *testing.T) {
	src := `entities:
  - name: c
    key: k
    fields:
      - {name: k, type: string, pattern: "[A-Z]{2}[0-9]{4}", pattern_hint: "two capital letters and four digits, like AB1234"}
      - {name: raw, type: string, allow_control: true}
      - {name: h, type: string, pattern_hint: "x"}
`
	_, err := ParseFormat("format.yaml", []byte(src))
	if err == nil || !strings.Contains(err.Error(), "format.yaml:7: c.h: pattern_hint needs a pattern") {
		t.Fatalf("err = %v, want pattern_hint without pattern refused", err)
	}
	f, err := ParseFormat("format.yaml", []byte(strings.Replace(src, `      - {name: h, type: string, pattern_hint: "x"}`+"\n", "", 1)))
	if err != nil {
		t.Fatal(err)
	}
	k, raw := f.Entities[0].Fields[0], f.Entities[0].Fields[1]
	if !raw.AllowControl {
		t.Error("allow_control not read")
	}
	_, p := k.Normalize("A1")
	if p == nil || p.Message != `k: "A1" does not have the required form: two capital letters and four digits, like AB1234` {
		t.Errorf("problem %+v", p)
	}
}

// TestControlAtTable: the table-driven scan finds what a byte-by-byte
// check does, on every one- and two-byte text and every three-byte text
// starting with E2, with a prefix before it.
func TestControlAtTable(t *testing.T) {
	slow := func(s string) int {
		for i := 0; i < len(s); i++ {
			switch b := s[i]; {
			case b < 0x20:
				if b != '\t' && b != '\r' && b != '\n' {
					return i
				}
			case b == 0x7F:
				return i
			case b == 0xC2:
				if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
					return i
				}
			case b == 0xE2 && i+2 < len(s):
				if s[i+1] == 0x80 && s[i+2] >= 0xAA && s[i+2] <= 0xAE || s[i+1] == 0x81 && s[i+2] >= 0xA6 && s[i+2] <= 0xA9 {
					return i
				}
			}
		}
		return -1
	}
	var texts []string
	for a := range 256 {
		texts = append(texts, string([]byte{byte(a)}))
		for b := range 256 {
			texts = append(texts, string([]byte{byte(a), byte(b)}), string([]byte{0xE2, byte(a), byte(b)}))
		}
	}
	for _, s := range texts {
		for _, in := range []string{s, "Müller " + s, s + "x"} {
			if got, want := controlAt(in), slow(in); got != want {
				t.Fatalf("controlAt(%q) = %d, want %d", in, got, want)
			}
		}
	}
}
