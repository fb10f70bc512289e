package main

import (
	"fmt"
	"slices"
	"strconv"
)

// key names one tool in one scenario.
type key struct{ scenario, tool string }

// stat is the median of a tool's runs in a scenario.
type stat struct {
	runs  int
	rows  int
	wall  float64
	cpu   float64 // user + sys
	rssMB float64
	load  float64
	fail  int             // runs that exited non-zero
	walls map[int]float64 // wall time per run number
}

// ratio is the median over the runs both measured of a's wall time / b's:
// each run's pair ran back to back under the same load.
func ratio(a, b stat) float64 {
	var rs []sample
	for run, w := range a.walls {
		if v, ok := b.walls[run]; ok && v > 0 {
			rs = append(rs, sample{Wall: w / v})
		}
	}
	if len(rs) == 0 {
		return a.wall / b.wall
	}
	return median(rs, func(s sample) float64 { return s.Wall })
}

// group takes the median of every measure per scenario and tool.
func group(samples []sample) map[key]stat {
	by := map[key][]sample{}
	for _, s := range samples {
		k := key{s.Scenario, s.Tool}
		by[k] = append(by[k], s)
	}
	out := map[key]stat{}
	for k, ss := range by {
		st := stat{runs: len(ss), rows: ss[0].Rows, walls: map[int]float64{}}
		st.wall = median(ss, func(s sample) float64 { return s.Wall })
		st.cpu = median(ss, func(s sample) float64 { return s.User + s.Sys })
		st.rssMB = median(ss, func(s sample) float64 { return float64(s.MaxRSSKB) / 1024 })
		st.load = median(ss, func(s sample) float64 { return s.Load1 })
		for _, s := range ss {
			st.walls[s.Run] = s.Wall
			if s.Exit != 0 {
				st.fail++
			}
		}
		out[k] = st
	}
	return out
}

func median(ss []sample, f func(sample) float64) float64 {
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = f(s)
	}
	slices.Sort(v)
	n := len(v)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func secs(v float64) string {
	if v < 10 {
		return fmt.Sprintf("%.2f s", v)
	}
	return fmt.Sprintf("%.1f s", v)
}

// perSecond writes a rate with thousands separators.
func perSecond(rows int, wall float64) string {
	if wall <= 0 || rows == 0 {
		return "–"
	}
	return thousands(int64(float64(rows)/wall + 0.5))
}

func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func mb(v float64) string {
	if v == 0 { // measured inside a process (BenchmarkFixup): no RSS of its own
		return "–"
	}
	if v >= 1024 {
		return fmt.Sprintf("%.2f GB", v/1024)
	}
	return fmt.Sprintf("%.0f MB", v)
}
