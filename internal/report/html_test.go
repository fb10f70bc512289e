package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/handover/handover/internal/protocol"
)

func testData() *Data {
	start := time.Date(2026, 12, 8, 9, 30, 0, 0, time.UTC)
	p := &protocol.Protocol{
		Run: 4, Kind: protocol.KindImport, Env: "preprod", Extraction: 1,
		Status: protocol.StatusGateFailed, Started: start, Finished: start.Add(83 * time.Second),
		Version: "v0.3.1",
		Hashes: protocol.Hashes{
			Recipes: "sha256:9f2c1e0b7d4a", Format: "sha256:41ab77c0de12",
			Inputs: map[string]string{"kontakte.csv": "sha256:aa11", "firmen.csv": "sha256:bb22"},
		},
		Entities: []*protocol.Entity{
			{Name: "structures", Source: "firmen.csv", Read: 120, Filtered: 0, Rejected: 2, Valid: 118,
				Inserted: 100, Updated: 10, Unchanged: 8, RejectsByRule: map[string]int{"country/country": 2}, Rejects: "rejects/structures.csv"},
			{Name: "contacts", Source: "kontakte.csv", Read: 15234, Filtered: 1, Rejected: 912, Valid: 14321,
				Inserted: 14321, RejectsByRule: map[string]int{"email/email": 480, "birth_date/date": 310, "structure/ref": 122, "<script>alert(1)</script>/x": 1}},
		},
		Gate: protocol.Gate{Passed: false, Checks: []protocol.Check{
			{Name: "max_reject_rate", Entity: "structures", Value: 0.0167, Limit: 0.02, Passed: true},
			{Name: "max_reject_rate", Entity: "contacts", Value: 0.0599, Limit: 0.02, Passed: false},
		}},
		Warnings: []string{"kontakte.csv: 3 rows had trailing empty columns"},
	}
	prof := NewProfiler([]string{"ID", "Nachname", "Geburtsdatum", "Notiz", "Leer"})
	for i := range 200 {
		notes := ""
		if i%3 == 0 {
			notes = "<script>alert('x')</script>"
		}
		prof.Add([]string{fmt.Sprint(1000 + i), []string{"Meier", "Müller", "Keller", "Weber"}[i%4], fmt.Sprintf("%02d.03.1980", i%28+1), notes, ""})
	}
	return &Data{
		Protocol: p, Project: "acme-onboarding", Customer: "ACME AG",
		Entities: []EntityData{
			{Name: "contacts", Source: "kontakte.csv", Profile: prof.Profile(), RejectsFile: "rejects/contacts.csv",
				SampleRejects: []RejectRow{
					{Line: 12, Errors: `birth_date: "31.02.1980" is not a valid date (DD.MM.YYYY) | email: "x@" is not an e-mail address`,
						Values: []string{"1011", "Meier", "31.02.1980", "", ""}, Columns: []string{"Geburtsdatum"}},
					{Line: 40, Errors: "last_name: is required", Values: []string{"1040", "<script>alert(2)</script>"}, Columns: []string{"Nachname"}},
				}},
		},
		Approvals: []ApprovalView{{Role: "reviewer", By: "Anna Vogt", Note: "looks fine", At: start.Add(time.Hour)}},
	}
}

func renderTest(t *testing.T, d *Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestWriteHTML(t *testing.T) {
	d := testData()
	out := renderTest(t, d)
	for _, want := range []string{
		"acme-onboarding", "ACME AG", ">structures<", ">contacts<", "gate_failed", "preprod",
		"15\u202f234", // read count with a narrow space between thousands
		"14\u202f321",
		`href="rejects/contacts.csv"`, `href="rejects/structures.csv"`,
		"email/email", "sha256:9f2c1e0b7d4a", "sha256:aa11", "kontakte.csv",
		"trailing empty columns", "Anna Vogt", "max_reject_rate",
		`<rect class="rejected"`, `<svg class="fill"`, "Geburtsdatum",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(out, "<script") {
		t.Error("report contains an unescaped <script")
	}
	if !strings.Contains(out, "&lt;script&gt;alert(2)&lt;/script&gt;") {
		t.Error("escaped reject value missing")
	}
	if strings.Contains(out, "http://") && !strings.Contains(out, "http://www.w3.org") {
		t.Error("report references the network")
	}
	wellFormed(t, out)

	// Deterministic: the same data gives the same bytes.
	if again := renderTest(t, testData()); again != out {
		t.Error("two renderings of the same data differ")
	}

	if dir := os.Getenv("HANDOVER_REPORT_DIR"); dir != "" { // manual visual check
		if err := os.WriteFile(filepath.Join(dir, "report.html"), []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// wellFormed checks that the report parses as XML after dropping the
// doctype: tags balanced, attributes quoted, entities valid.
func wellFormed(t *testing.T, out string) {
	t.Helper()
	body := strings.TrimPrefix(out, "<!DOCTYPE html>")
	voids := regexp.MustCompile(`<(meta|br|hr|img|input|link|col)\b([^>]*)>`)
	body = voids.ReplaceAllString(body, "<$1$2/>")
	d := xml.NewDecoder(strings.NewReader(body))
	d.Strict = true
	d.Entity = map[string]string{"nbsp": " "}
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("report is not well-formed: %v", err)
		}
	}
}

func TestWriteHTMLCounts(t *testing.T) {
	d := testData()
	out := renderTest(t, d)
	// The stacked bar of structures: inserted 100 of 120 rows → 833.3 units.
	if !strings.Contains(out, `<rect class="inserted" x="16.7" y="0" width="833.3"`) {
		t.Error("stacked bar of structures is off")
	}
	// Rules sorted by count: email (480) before birth_date (310).
	if strings.Index(out, ">email/email<") > strings.Index(out, ">birth_date/date<") {
		t.Error("rejects by rule not sorted by count")
	}
	// A check run has no loaded counts: the bar shows valid rows.
	d.Protocol.Entities[1].Inserted = 0
	if out := renderTest(t, d); !strings.Contains(out, `<rect class="valid"`) {
		t.Error("check run bar lacks the valid segment")
	}
	// Counts that do not add up are flagged.
	d.Protocol.Entities[0].Read = 999
	if out := renderTest(t, d); !strings.Contains(out, "do not add up") {
		t.Error("unbalanced counts not flagged")
	}
}

func TestWriteHTMLMinimal(t *testing.T) {
	p := &protocol.Protocol{Run: 1, Kind: protocol.KindCheck, Status: protocol.StatusFailed, Error: "read kontakte.csv: line 3: bad quote"}
	out := renderTest(t, &Data{Protocol: p})
	for _, want := range []string{"bad quote", "No gate checks", "Migration"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	wellFormed(t, out)
	if err := WriteHTML(io.Discard, &Data{}); err == nil {
		t.Error("no error without a protocol")
	}
}

func TestFormatInt(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"}, {999, "999"}, {1000, "1\u202f000"}, {-1234567, "-1\u202f234\u202f567"},
	}
	for _, tt := range tests {
		if got := formatInt(tt.in); got != tt.want {
			t.Errorf("formatInt(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestWriteHTMLSamplesAndExtraEntities(t *testing.T) {
	d := testData()
	var many []RejectRow
	for i := range 25 {
		many = append(many, RejectRow{Line: 1000 + i, Errors: "x: bad"})
	}
	d.Entities[0].SampleRejects = many
	d.Entities = append(d.Entities, EntityData{Name: "attachments", Source: "dateien/"})
	out := renderTest(t, d)
	if !strings.Contains(out, ">1019<") || strings.Contains(out, ">1020<") {
		t.Error("want exactly the first 20 sample rejects")
	}
	if !strings.Contains(out, "(first 20)") {
		t.Error("truncated sample not labelled")
	}
	if !strings.Contains(out, `id="entity-attachments"`) || !strings.Contains(out, "from dateien/") {
		t.Error("entity without counts missing")
	}
	wellFormed(t, out)
}
