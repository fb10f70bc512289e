package sheet

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []string{
		"",
		"SHORT:line",
		"SUMMARY:" + strings.Repeat("a", 67),  // exactly 75
		"SUMMARY:" + strings.Repeat("a", 68),  // 76
		"SUMMARY:" + strings.Repeat("ä", 100), // two-octet runes across the boundaries
		"SUMMARY:" + strings.Repeat("€", 90),  // three-octet runes
		"X:" + strings.Repeat("🙂", 60),        // four-octet runes
	}
	for _, in := range tests {
		out := fold(in)
		checkLines := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
		for i, l := range checkLines {
			if len(l) > 75 || !utf8.ValidString(l) {
				t.Errorf("fold(%.20q…): line %d bad (%d octets)", in, i, len(l))
			}
			if i > 0 && !strings.HasPrefix(l, " ") {
				t.Errorf("fold: continuation line %d does not start with a space", i)
			}
		}
		if got := strings.ReplaceAll(strings.TrimSuffix(out, "\r\n"), "\r\n ", ""); got != in {
			t.Errorf("unfold(fold(x)) != x for %.20q…", in)
		}
	}
	if got := fold("SUMMARY:" + strings.Repeat("a", 67)); strings.Count(got, "\r\n") != 1 {
		t.Errorf("a 75-octet line should not fold: %q", got)
	}
}

func TestEscapeAndUID(t *testing.T) {
	if got, want := escapeText("a,b;c\\d\ne"), `a\,b\;c\\d\ne`; got != want {
		t.Errorf("escapeText = %q, want %q", got, want)
	}
	if got, want := uid("ACME Onboarding 2026/1", "dev_gate"), "dev_gate.ACME-Onboarding-2026-1@handover"; got != want {
		t.Errorf("uid = %q, want %q", got, want)
	}
}
