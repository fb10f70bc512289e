package fixup

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// prefixPatterns are matches with and without a literal start; fast says
// which take the prefix matcher.
var prefixPatterns = []struct {
	pattern string
	fast    bool
}{
	{`https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`, true},
	{`crm/(\d+)`, true},
	{`crm/(\d*)`, true},
	{`aa(a*)`, true},
	{`ab|ac`, true}, // parsed as a(?:b|c)
	{`ab(?P<key>\d+)x?`, true},
	{`id=(\d+)(?:;|$)`, true},
	{`(?m)id=(\d+)$`, true},
	{`(?s)id=(.+?)\.`, true},
	{`(?U)id=(\d+)`, true},
	{`id=(\w+)-(\w+)?`, true},
	{`ä(\pL+)`, true},
	{`id=\b(\d+)`, false},
	{`id=(?m:^)(\d+)`, false},
	{`(?i)id=(\d+)`, false},
	{`(id)=(\d+)`, false},
	{`\d+`, false},
	{`x`, false},
	{`\x{FFFD}(\d)`, false},
}

// TestPrefixMatcherEqualsRegexp compares the prefix matcher with the
// regexp's FindAllStringSubmatchIndex on random texts made of the
// patterns' pieces, invalid UTF-8 and line ends included.
func TestPrefixMatcherEqualsRegexp(t *testing.T) {
	parts := []string{"https://crm.old-vendor.example/contact.aspx?id=", "crm/", "a", "aa", "b", "c", "ab", "id=", "x", "12", "7",
		"\n", ";", ".", "ä", "é", "\xff", "\xe2\x82", "-", "key", " ", "ID=", "\ufffd"}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, c := range prefixPatterns {
		re := regexp.MustCompile(c.pattern)
		m := newPrefixMatcher(re)
		if (m != nil) != c.fast {
			t.Errorf("%s: prefix matcher %v, want %v", c.pattern, m != nil, c.fast)
			continue
		}
		if m == nil {
			continue
		}
		hits := 0
		for range 20000 {
			var b strings.Builder
			for range rng.IntN(12) {
				b.WriteString(parts[rng.IntN(len(parts))])
			}
			text := b.String()
			want := re.FindAllStringSubmatchIndex(text, -1)
			got := m.findAll(text)
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s in %q: %v, regexp %v", c.pattern, text, got, want)
			}
			hits += len(want)
		}
		if hits < 50 {
			t.Errorf("%s: only %d matches in the texts", c.pattern, hits)
		}
	}
}

// FuzzPrefixMatcher: for any text, the prefix matcher of the link rules
// finds what the regexp finds.
func FuzzPrefixMatcher(f *testing.F) {
	for _, s := range []string{"", "crm/1 crm/ crm/22", "id=1\nid=2", "aaaa", "\xffcrm/9", "https://crm.old-vendor.example/contact.aspx?id=https://crm.old-vendor.example/contact.aspx?id=2"} {
		f.Add(s)
	}
	var ms []*prefixMatcher
	var res []*regexp.Regexp
	for _, c := range prefixPatterns {
		if re := regexp.MustCompile(c.pattern); c.fast {
			ms, res = append(ms, newPrefixMatcher(re)), append(res, re)
		}
	}
	f.Fuzz(func(t *testing.T, text string) {
		for i, m := range ms {
			if got, want := m.findAll(text), res[i].FindAllStringSubmatchIndex(text, -1); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Fatalf("%s in %q: %v, regexp %v", res[i], text, got, want)
			}
		}
	})
}

// BenchmarkFindAll: the bench's link rule on one of its notes, the regexp
// against the prefix matcher.
func BenchmarkFindAll(b *testing.B) {
	re := regexp.MustCompile(`https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`)
	text := `<p>Contact person: <a href='https://crm.old-vendor.example/contact.aspx?id=123456'>see here</a>. Called on 3.4., wants an offer for the renewal.</p>`
	b.Run("regexp", func(b *testing.B) {
		for b.Loop() {
			re.FindAllStringSubmatchIndex(text, -1)
		}
	})
	m := newPrefixMatcher(re)
	b.Run("prefix", func(b *testing.B) {
		for b.Loop() {
			m.findAll(text)
		}
	})
}

// FuzzPrefixMatcherPatterns: for any pattern a rule may hold and any
// text, the prefix matcher, when it takes the pattern, finds what the
// regexp finds.
func FuzzPrefixMatcherPatterns(f *testing.F) {
	for _, c := range prefixPatterns {
		f.Add(c.pattern, "crm/12 id=7\nid=8; aab ä12 x")
	}
	f.Add(`a(?:b|$)`, "ab a")
	f.Add(`ab*?(c)?`, "abbbc abc a")
	f.Fuzz(func(t *testing.T, pattern, text string) {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return
		}
		m := newPrefixMatcher(re)
		if m == nil {
			return
		}
		if got, want := m.findAll(text), re.FindAllStringSubmatchIndex(text, -1); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%s in %q: %v, regexp %v", pattern, text, got, want)
		}
	})
}
