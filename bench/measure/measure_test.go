package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

func TestMeasure(t *testing.T) {
	tests := []struct {
		name     string
		cmd      []string
		wantExit int
		minWall  float64
	}{
		{"success", []string{"sh", "-c", "sleep 0.1"}, 0, 0.1},
		{"exit code kept", []string{"sh", "-c", "exit 3"}, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Sample{Command: tt.cmd}
			code, err := measure(&s, "")
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.wantExit || s.Exit != tt.wantExit {
				t.Errorf("exit %d (sample %d), want %d", code, s.Exit, tt.wantExit)
			}
			if s.Wall < tt.minWall || s.MaxRSSKB <= 0 {
				t.Errorf("wall %.3f s, max RSS %d KB", s.Wall, s.MaxRSSKB)
			}
		})
	}
	if _, err := measure(&Sample{Command: []string{"/no/such/command"}}, ""); err == nil {
		t.Error("a command that cannot start measured without error")
	}
}

func TestAppendSample(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	for i := 1; i <= 2; i++ {
		if err := appendSample(path, Sample{Scenario: "check", Tool: "handover", Run: i, Wall: 1.5}); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	n := 0
	for dec.More() {
		var s Sample
		if err := dec.Decode(&s); err != nil {
			t.Fatal(err)
		}
		n++
		if s.Run != n || s.Wall != 1.5 {
			t.Errorf("sample %d: %+v", n, s)
		}
	}
	if n != 2 {
		t.Errorf("%d samples, want 2", n)
	}
}
