// Command report turns bench/run.sh's measurements into docs/BENCHMARKS.md:
// per scenario the median of every run of handover and of its floor or
// peer, their ratio, rows per second and peak RSS, then each target of
// the benchmark issue met or missed, the machine and the tool versions.
//
//	report -results results.jsonl -meta meta.env [-notes bench/NOTES.md] -o docs/BENCHMARKS.md
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// sample is one line of results.jsonl, as bench/measure writes it.
type sample struct {
	Scenario string  `json:"scenario"`
	Tool     string  `json:"tool"`
	Rows     int     `json:"rows"`
	Run      int     `json:"run"`
	Wall     float64 `json:"wall_s"`
	User     float64 `json:"user_s"`
	Sys      float64 `json:"sys_s"`
	MaxRSSKB int64   `json:"max_rss_kb"`
	Load1    float64 `json:"load1"`
	Exit     int     `json:"exit"`
}

func main() {
	results := flag.String("results", "", "results.jsonl from bench/measure (required)")
	meta := flag.String("meta", "", "KEY=VALUE lines: machine, versions, command (required)")
	notes := flag.String("notes", "", "Markdown appended as the analysis (optional)")
	out := flag.String("o", "", "Markdown file to write (required)")
	flag.Parse()
	if err := run(*results, *meta, *notes, *out); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

func run(results, metaPath, notesPath, out string) error {
	if results == "" || metaPath == "" || out == "" {
		return errors.New("-results, -meta and -o are required")
	}
	samples, err := readSamples(results)
	if err != nil {
		return err
	}
	meta, err := readMeta(metaPath)
	if err != nil {
		return err
	}
	var notes string
	if notesPath != "" {
		data, err := os.ReadFile(notesPath)
		if err != nil {
			return fmt.Errorf("read notes: %w", err)
		}
		notes = string(data)
	}
	doc := render(group(samples), meta, notes)
	if err := os.WriteFile(out, []byte(doc), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

func readSamples(path string) ([]sample, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	var out []sample
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var s sample
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("read results: %s:%d: %w", path, n, err)
		}
		out = append(out, s)
	}
	return out, sc.Err()
}

// meta holds run.sh's KEY=VALUE lines.
type meta map[string]string

func readMeta(path string) (meta, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read meta: %w", err)
	}
	m := meta{}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return m, nil
}

// num is a number from the meta with thousands separators.
func (m meta) num(k string) string {
	n, err := strconv.ParseInt(m[k], 10, 64)
	if err != nil {
		return m.get(k)
	}
	return thousands(n)
}

func (m meta) get(k string) string {
	if v := m[k]; v != "" {
		return v
	}
	return "?"
}
