// Command measure runs one command as a whole process and appends what it
// cost to a JSON Lines file: wall time, CPU time (user + sys, the process
// and the children it waited for) and peak RSS, with the load average at
// the start. bench/run.sh calls it for every run of every scenario.
//
//	measure -o results.jsonl -scenario check -tool handover -rows 1000000 -run 1 -- CMD ARGS...
//
// The command's stdout goes to -stdout (default: discarded), its stderr to
// measure's stderr. measure exits with the command's exit code.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Sample is one measured run; bench/report reads the same shape.
type Sample struct {
	Scenario string   `json:"scenario"`
	Tool     string   `json:"tool"`
	Rows     int      `json:"rows"`
	Run      int      `json:"run"`
	Wall     float64  `json:"wall_s"`
	User     float64  `json:"user_s"`
	Sys      float64  `json:"sys_s"`
	MaxRSSKB int64    `json:"max_rss_kb"`
	Load1    float64  `json:"load1"`
	Exit     int      `json:"exit"`
	Command  []string `json:"command"`
}

func main() {
	var s Sample
	out := flag.String("o", "", "JSON Lines file to append the sample to (required)")
	stdout := flag.String("stdout", "", "file for the command's standard output (default: discarded)")
	flag.StringVar(&s.Scenario, "scenario", "", "scenario name")
	flag.StringVar(&s.Tool, "tool", "", "tool name (handover, psql, …)")
	flag.IntVar(&s.Rows, "rows", 0, "rows the command processes")
	flag.IntVar(&s.Run, "run", 1, "run number")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure -o FILE -scenario S -tool T [-rows N] [-run I] [-stdout FILE] -- CMD ARGS...")
		os.Exit(2)
	}
	s.Command = flag.Args()
	code, err := measure(&s, *stdout)
	if err == nil {
		err = appendSample(*out, s)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(2)
	}
	os.Exit(code)
}

// measure runs s.Command and fills in what it cost.
func measure(s *Sample, stdout string) (int, error) {
	cmd := exec.Command(s.Command[0], s.Command[1:]...)
	cmd.Stderr = os.Stderr
	if stdout != "" {
		f, err := os.Create(stdout)
		if err != nil {
			return 0, fmt.Errorf("create stdout file: %w", err)
		}
		defer f.Close()
		cmd.Stdout = f
	}
	s.Load1 = load1()
	start := time.Now()
	err := cmd.Run()
	s.Wall = time.Since(start).Seconds()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		return 0, fmt.Errorf("run %s: %w", s.Command[0], err)
	}
	st := cmd.ProcessState
	s.Exit = st.ExitCode()
	s.User, s.Sys = st.UserTime().Seconds(), st.SystemTime().Seconds()
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		s.MaxRSSKB = ru.Maxrss // kilobytes on Linux
	}
	return s.Exit, nil
}

// load1 is the one-minute load average, 0 when unknown.
func load1() float64 {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f, err := strconv.ParseFloat(strings.Fields(string(data) + " 0")[0], 64)
	if err != nil {
		return 0
	}
	return f
}

func appendSample(path string, s Sample) error {
	data, err := json.Marshal(s)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("open results: %w", err)
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("write results: %w", err)
	}
	return f.Close()
}
