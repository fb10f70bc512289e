package main

import (
	"strings"
	"testing"
)

func TestMedianAndRatio(t *testing.T) {
	tests := []struct {
		name      string
		ho, peer  []float64 // wall per run 1, 2, …
		wantRatio float64
	}{
		{"paired runs", []float64{10, 30, 12}, []float64{5, 10, 4}, 3},                             // ratios 2, 3, 3
		{"one run", []float64{4}, []float64{8}, 0.5},                                               // 0.5
		{"even count", []float64{2, 4}, []float64{1, 1}, 3},                                        // ratios 2, 4
		{"per-run ratios, not a ratio of medians", []float64{10, 20, 30}, []float64{20, 5, 10}, 3}, // 0.5, 4, 3 (medians: 2)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ss []sample
			for i, w := range tt.ho {
				ss = append(ss, sample{Scenario: "s", Tool: "handover", Run: i + 1, Wall: w})
			}
			for i, w := range tt.peer {
				ss = append(ss, sample{Scenario: "s", Tool: "peer", Run: i + 1, Wall: w})
			}
			st := group(ss)
			if got := ratio(st[key{"s", "handover"}], st[key{"s", "peer"}]); got != tt.wantRatio {
				t.Errorf("ratio = %v, want %v", got, tt.wantRatio)
			}
		})
	}
}

func TestTargetsVerdicts(t *testing.T) {
	ss := []sample{
		{Scenario: "check", Tool: "handover", Run: 1, Wall: 3},
		{Scenario: "check", Tool: "duckdb", Run: 1, Wall: 2}, // 1.5× ≤ 2: met
		{Scenario: "pg-import", Tool: "handover", Run: 1, Wall: 10},
		{Scenario: "pg-import", Tool: "psql", Run: 1, Wall: 5},                          // 2× > 1.5: missed
		{Scenario: "pg-import", Tool: "pgloader", Run: 1, Wall: 50},                     // 5× faster < 8: missed
		{Scenario: "rss-10m", Tool: "handover", Run: 1, Wall: 100, MaxRSSKB: 200 << 10}, // 200 MB: met
	}
	doc := render(group(ss), meta{"skip_sqlite3": "sqlite3 is not installed"}, "")
	for _, want := range []string{
		"| check ≤ 2× DuckDB | 1.50× | met |",
		"| PostgreSQL import ≤ 1.5× `psql \\copy` (goal 1.25×) | 2.00× | **missed** |",
		"| PostgreSQL import ≥ 8× faster than pgloader | 5.0× faster | **missed** |",
		"| SQLite import ≤ 1.5× `sqlite3 .import` | not measured | – |",
		"| peak RSS ≤ 256 MB at 10M rows (import → PostgreSQL) | 200 MB | met |",
		"not run: sqlite3 is not installed",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %q:\n%s", want, doc)
		}
	}
}

func TestThousands(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1100000: "1,100,000"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%d) = %q, want %q", in, got, want)
		}
	}
}
