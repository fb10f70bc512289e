package local

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/handover/handover/internal/server"
)

// TestConcurrentDeliveries: uploads to one migration at the same time
// become distinct extractions, each holding exactly its own files (whole:
// the manifest's hashes match), each checked by its own run, and nothing
// is left in the store.
func TestConcurrentDeliveries(t *testing.T) {
	s := newStory(t)
	const n = 3
	keep := []int{500, 1000, 1500} // kontakte.csv cut to this many lines
	files := make([][]upload, n)
	for i := range n {
		files[i] = exampleFiles(t, nil)
		for j, f := range files[i] {
			if f.name == "kontakte.csv" {
				lines := bytes.SplitAfter(f.data, []byte("\n"))
				files[i][j].data = bytes.Join(lines[:1+keep[i]], nil)
			}
		}
	}
	got := make([]server.Delivery, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			code, body := s.deliver("ann@acme.example", "acme-onboarding", files[i]...)
			if code != http.StatusCreated {
				t.Errorf("upload %d: %d %s", i, code, body)
				return
			}
			json.Unmarshal(body, &got[i])
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	seen := map[int]bool{}
	for i, d := range got {
		if d.Extraction < 2 || d.Extraction > 1+n || seen[d.Extraction] {
			t.Fatalf("upload %d: extraction %d (all: %+v)", i, d.Extraction, got)
		}
		seen[d.Extraction] = true
		dir := filepath.Join(s.dir, ".handover", "extractions", fmt.Sprint(d.Extraction))
		for _, f := range files[i] {
			data, err := os.ReadFile(filepath.Join(dir, f.name))
			if err != nil || !bytes.Equal(data, f.data) {
				t.Errorf("upload %d: extraction %d's %s differs from the upload (%v)", i, d.Extraction, f.name, err)
			}
		}
	}
	rows := make([]int64, n) // kontakte.csv's records, as detected
	for i, d := range got {
		for _, f := range d.Files {
			if f.Name == "kontakte.csv" {
				rows[i] = f.Rows
			}
		}
		if rows[i] == 0 || i > 0 && rows[i] <= rows[i-1] {
			t.Fatalf("kontakte.csv detected with %v rows; want more in each upload", rows)
		}
	}
	for i, d := range got {
		if st := s.wait(d.Run); st != "succeeded" && st != "gate_failed" {
			t.Errorf("upload %d: check run %d %s", i, d.Run, st)
		}
		run, err := s.svc.Run(context.Background(), "acme-onboarding", d.Run)
		if err != nil || run.Extraction != d.Extraction || run.Protocol == nil {
			t.Fatalf("upload %d: run %d: %+v %v", i, d.Run, run, err)
		}
		for _, e := range run.Protocol.Entities {
			if e.Name == "contacts" && e.Read != rows[i] {
				t.Errorf("upload %d: run %d read %d contacts, want %d (another upload's file?)", i, d.Run, e.Read, rows[i])
			}
		}
	}
	if left := s.leftBehind(1 + n); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	p := filepath.Join(s.dir, ".handover", "extractions")
	for x := 2; x <= 1+n; x++ {
		if bad, err := verifyExtraction(s, x); err != nil || len(bad) > 0 {
			t.Errorf("extraction %d in %s: %v %v", x, p, bad, err)
		}
	}
}

// verifyExtraction checks extraction x's files against its manifest.
func verifyExtraction(s *story, x int) ([]string, error) {
	sv, err := s.svc.served("acme-onboarding")
	if err != nil {
		return nil, err
	}
	xs, err := sv.Extractions(context.Background())
	if err != nil {
		return nil, err
	}
	for _, e := range xs {
		if e.Number == x {
			return e.Verify(context.Background())
		}
	}
	return nil, fmt.Errorf("no extraction %d", x)
}
