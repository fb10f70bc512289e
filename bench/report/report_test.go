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
		{Scenario: "check", Tool: "duckdb", Run: 1, Wall: 2}, // 1.5× ≤ 2: met; > 1: missed
		{Scenario: "pg-import", Tool: "handover", Run: 1, Wall: 10},
		{Scenario: "pg-import", Tool: "psql", Run: 1, Wall: 5},                          // 2× > 1.5: missed
		{Scenario: "pg-import", Tool: "pgloader", Run: 1, Wall: 50},                     // 5× faster < 8: missed
		{Scenario: "rss-10m", Tool: "handover", Run: 1, Wall: 100, MaxRSSKB: 200 << 10}, // 200 MB: met
		{Scenario: "fixup-postgres", Tool: "handover", Run: 1, Wall: 10},
		{Scenario: "fixup-postgres", Tool: "handover-fixup", Run: 1, Wall: 12.4}, // +24 %: met
		{Scenario: "fixup-sqlite", Tool: "handover", Run: 1, Wall: 10},
		{Scenario: "fixup-sqlite", Tool: "handover-fixup", Run: 1, Wall: 13.5}, // +35 %: missed
	}
	doc := render(group(ss), meta{"skip_sqlite3": "sqlite3 is not installed"}, "")
	for _, want := range []string{
		"| check ≤ 2× DuckDB | – | 1.50× | met |",
		"| check at least as fast as DuckDB, same transforms, per row (≤ 1×) | 1.38× | 1.50× | **missed** |",
		"| PostgreSQL import ≤ 1.5× `psql \\copy` (goal 1.25×) | 2.51× | 2.00× | **missed** |",
		"| PostgreSQL import ≥ 8× faster than pgloader | – | 5.0× faster | **missed** |",
		"| SQLite import ≤ 2× `sqlite3 .import` (goal 1.5×) | 3.26× | not measured | – |",
		"| peak RSS ≤ 256 MB, 10M contacts import → PostgreSQL | 2.57 GB | 200 MB | met |",
		"| fix-ups, 100 % of rows linked, add ≤ 30 % to the import, PostgreSQL | +213 % | +24 % (1.24×) | met |",
		"| fix-ups, 100 % of rows linked, add ≤ 30 % to the import, SQLite | – | +35 % (1.35×) | **missed** |",
		"| 13. fix-ups → PostgreSQL | fixup: 12.4 s",
		"| peak RSS < 1 GB, 100M-row delivery import → PostgreSQL | could not run | not measured (`bench/run.sh --scale-100m`) | – |",
		"not run: sqlite3 is not installed",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("the report lacks %q:\n%s", want, doc)
		}
	}
}

// TestIssue15Targets checks that the targets table has a row for every
// target of issue 15, with the issue's figure before its work.
func TestIssue15Targets(t *testing.T) {
	doc := render(group(nil), meta{}, "")
	for _, want := range []string{
		"| PostgreSQL import ≤ 1.5× `psql \\copy` (goal 1.25×) | 2.51× |",
		"| SQLite import ≤ 2× `sqlite3 .import` (goal 1.5×) | 3.26× |",
		"| 1 % delta ≤ 0.25× the full import, PostgreSQL (goal 0.1×) | 0.52× |",
		"| 1 % delta ≤ 0.25× the full import, SQLite (goal 0.1×) | – |",
		"| check at least as fast as DuckDB, same transforms, per row (≤ 1×) | 1.38× |",
		"| fix-ups, 100 % of rows linked, add ≤ 30 % to the import, PostgreSQL | +213 % | not measured (`bench/run.sh --fixup`) |",
		"| fix-ups, 100 % of rows linked, add ≤ 30 % to the import, SQLite | – | not measured (`bench/run.sh --fixup`) |",
		"| peak RSS ≤ 256 MB, 1M contacts import → PostgreSQL | 475 MB |",
		"| peak RSS ≤ 256 MB, 1M contacts import → SQLite | 451 MB |",
		"| peak RSS ≤ 512 MB (goal 256 MB), 10M contacts + 5M sales import → PostgreSQL | 2.57 GB (10M contacts alone) | not measured (`bench/run.sh --scale-10m`) |",
		"| peak RSS < 1 GB, 100M-row delivery import → PostgreSQL | could not run | not measured (`bench/run.sh --scale-100m`) |",
		"| peak RSS < 1 GB, 100M-row delivery check | – | not measured (`bench/run.sh --scale-100m`) |",
		"| → PostgreSQL, 20M contacts + 80M sales | – | – | not measured (`bench/run.sh --scale-100m`) |",
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
