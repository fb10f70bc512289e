package runbook

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/handover/handover/internal/protocol"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestWriteICSGolden(t *testing.T) {
	f := &fake{}
	addRun(f, protocol.KindImport, "dev", protocol.StatusSucceeded, on(12, 5, 9), false)
	addApproval(f, 1, "reviewer", "Bob", on(12, 5, 10), false)
	p, err := Build(context.Background(), f, Config{Fixups: true, Cutover: cutover, Today: on(12, 6, 9), Envs: envs, Files: true,
		Extractions: []Extraction{{Number: 1, Received: on(12, 1, 9)}},
		Overrides:   []Override{{ID: "go_live_mail", Title: "Inform users; \"go-live\", new URL, training — ÄÖÜ déjà vu, a long title that needs folding", Due: "J+1"}}})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteICS(&buf, p, "acme-onboarding"); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "plan.ics")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("calendar differs from %s (go test -update rewrites it):\n%s", golden, buf.String())
	}
	checkICS(t, buf.String(), len(p.Steps))
}

// checkICS checks the calendar's structure: CRLF lines of at most 75
// octets, valid UTF-8 in each, one event with a unique UID per step.
func checkICS(t *testing.T, cal string, steps int) {
	t.Helper()
	if !strings.HasSuffix(cal, "\r\n") {
		t.Error("calendar does not end in CRLF")
	}
	lines := strings.Split(strings.TrimSuffix(cal, "\r\n"), "\r\n")
	for i, l := range lines {
		if len(l) > 75 {
			t.Errorf("line %d has %d octets: %q", i+1, len(l), l)
		}
		if strings.ContainsAny(l, "\r\n") {
			t.Errorf("line %d holds a bare CR or LF: %q", i+1, l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i+1, l)
		}
	}
	unfolded := strings.ReplaceAll(cal, "\r\n ", "")
	uids := map[string]bool{}
	for _, l := range strings.Split(unfolded, "\r\n") {
		if v, ok := strings.CutPrefix(l, "UID:"); ok {
			if uids[v] {
				t.Errorf("duplicate UID %s", v)
			}
			uids[v] = true
		}
	}
	if len(uids) != steps || strings.Count(unfolded, "BEGIN:VEVENT\r\n") != steps || strings.Count(unfolded, "END:VEVENT\r\n") != steps {
		t.Errorf("want %d events with UIDs, got %d UIDs", steps, len(uids))
	}
	for _, want := range []string{"BEGIN:VCALENDAR\r\n", "VERSION:2.0\r\n", "PRODID:", "END:VCALENDAR\r\n"} {
		if !strings.Contains(unfolded, want) {
			t.Errorf("calendar lacks %q", want)
		}
	}
}
