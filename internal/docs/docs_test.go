package docs

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func loadFormat(t *testing.T) *format.Format {
	t.Helper()
	f, err := format.LoadFormat(filepath.Join("testdata", "format.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGolden(t *testing.T) {
	d := Build(loadFormat(t), Options{Migration: "acme-onboarding", Customer: "ACME AG", PhoneRegion: "CH"})
	cases := []struct {
		golden string
		write  func(*bytes.Buffer) error
	}{
		{"docs.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, d) }},
		{"docs.html", func(b *bytes.Buffer) error { return WriteHTML(b, d) }},
	}
	for _, c := range cases {
		t.Run(c.golden, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.write(&b); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", c.golden)
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", c.golden, b.String())
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	f := loadFormat(t)
	cases := []struct {
		entity, field string
		typ, example  string
		required      bool
		words         []string // in Format or Rules
	}{
		{"structures", "external_id", "Text", "", true, []string{"the key", "at most 40 characters"}},
		{"structures", "uid", "Text", "CHE-111.111.111", false, []string{"must have the form the example shows"}},
		{"structures", "employees", "Whole number", "42", false, []string{"at least 1", "at most 100000"}},
		{"structures", "active", "Yes or no", "yes", false, []string{"ja/nein"}},
		{"structures", "phone", "Phone number", "021 234 56 78", false, []string{"national number of CH"}},
		{"contacts", "salutation", "One of a list", "MR", false, []string{"exactly one of: MR, MS"}},
		{"contacts", "structure", "Reference to structures", "", false, []string{"key of a record of structures", "importable"}},
		{"contacts", "email", "E-mail address", "anna.muster@example.com", false, []string{"no two records"}},
		{"contacts", "birth_date", "Date", "31.12.1980", false, []string{"DD.MM.YYYY", "not before 01.01.1900"}},
		{"contacts", "revenue", "Number with 2 decimals", "1234.50", false, []string{"rounded to 2 decimals", "at least 0"}},
		{"contacts", "created", "Date and time", "31.12.2024 14:30", false, []string{"DD.MM.YYYY HH:mm", "UTC"}},
	}
	for _, c := range cases {
		t.Run(c.entity+"."+c.field, func(t *testing.T) {
			e := f.Entity(c.entity)
			d := Describe(e, e.Field(c.field), Options{PhoneRegion: "CH"})
			if d.Type != c.typ || d.Example != c.example || d.Required != c.required {
				t.Errorf("got type %q example %q required %v; want %q %q %v", d.Type, d.Example, d.Required, c.typ, c.example, c.required)
			}
			all := d.Format + " | " + strings.Join(d.Rules, " | ")
			for _, w := range c.words {
				if !strings.Contains(all, w) {
					t.Errorf("%q does not say %q", all, w)
				}
			}
			if h := Hint(d); len([]rune(h)) > 255 || !strings.HasPrefix(h, c.typ) {
				t.Errorf("hint %q", h)
			}
		})
	}
}

// TestPatternHintReplacesTheExpression: what the customer reads is the
// hint, not the regular expression.
func TestPatternHintReplacesTheExpression(t *testing.T) {
	e := &format.Entity{Name: "c", Key: "k"}
	f := &format.Field{Name: "code", Type: format.String, Pattern: "[A-Z]{2}[0-9]{4}", PatternHint: "two letters and four digits, like AB1234"}
	d := Describe(e, f, Options{})
	all := d.Format + " | " + strings.Join(d.Rules, " | ")
	if strings.Contains(all, "[A-Z]") || !strings.Contains(all, "two letters and four digits") {
		t.Errorf("described as %q", all)
	}
}

// TestPatternWithoutHint: without a hint the customer reads words, never
// the expression.
func TestPatternWithoutHint(t *testing.T) {
	e := &format.Entity{Name: "c", Key: "k"}
	for pattern, want := range map[string]string{"[A-Z]{2}[0-9]{4}": "must have the form the example shows", "[^|]*": "ask the team"} {
		d := Describe(e, &format.Field{Name: "code", Type: format.String, Pattern: pattern}, Options{})
		all := d.Format + " | " + strings.Join(d.Rules, " | ")
		if strings.Contains(all, pattern) || !strings.Contains(all, want) {
			t.Errorf("%s described as %q", pattern, all)
		}
	}
}

func TestPatternExample(t *testing.T) {
	cases := []struct{ pattern, want string }{
		{`CHE-[0-9]{3}\.[0-9]{3}\.[0-9]{3}`, "CHE-111.111.111"},
		{`[A-Z]{2}[0-9]+`, "AA1"},
		{`(foo|bar)-x?`, "foo-"},
		{`\d{4}`, "1111"},
		{`[^|]*`, ""},
		{`(`, ""},
	}
	for _, c := range cases {
		if got := patternExample(c.pattern); got != c.want {
			t.Errorf("patternExample(%q) = %q, want %q", c.pattern, got, c.want)
		}
	}
}

func TestMarkdownEscapesCells(t *testing.T) {
	if got := cell("a|b\nc"); got != `a\|b c` {
		t.Errorf("cell = %q", got)
	}
}
