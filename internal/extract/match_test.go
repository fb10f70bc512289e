package extract

import (
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	x := &Extraction{Dir: "/x", Manifest: Manifest{Number: 2, Files: []File{
		{Path: "a/k_1.csv"}, {Path: "a/k_2.csv"}, {Path: "a/sub/k_3.csv"}, {Path: "b.csv"},
	}}}
	names, err := x.Match("a/k_*.csv")
	if err != nil || strings.Join(names, " ") != "a/k_1.csv a/k_2.csv" {
		t.Errorf("Match = %q, %v", names, err)
	}
	for pattern, want := range map[string]string{
		"c_*.csv":    `extraction 2 has no file matching "c_*.csv" (files: a/k_1.csv`,
		"../*.csv":   `"../*.csv" is not a file pattern inside the extraction`,
		"a/[k_*.csv": `is not a file pattern inside the extraction`,
	} {
		if _, err := x.Match(pattern); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Match(%q): %v, want %q", pattern, err, want)
		}
	}
}
