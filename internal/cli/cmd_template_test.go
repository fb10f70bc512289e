package cli

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/protocol"
)

// roundTripFormat has a field of every type the template treats specially.
const roundTripFormat = `entities:
  - name: structures
    key: external_id
    fields:
      - {name: external_id, type: string, required: true, max_length: 10}
      - {name: name, type: string, required: true}
      - {name: country, type: country}
      - {name: zip, type: string, max_length: 10}
  - name: contacts
    key: external_id
    fields:
      - {name: external_id, type: string, required: true}
      - {name: last_name, type: string, required: true, max_length: 20}
      - {name: structure, type: ref, entity: structures}
      - {name: email, type: email, unique: true}
      - {name: phone, type: phone}
      - {name: birth_date, type: date, min: 1900-01-01}
      - {name: created, type: datetime}
      - {name: category, type: enum, values: [VIP, REGULAR, PRESS]}
      - {name: revenue, type: decimal, scale: 2, min: 0}
      - {name: visits, type: int}
      - {name: newsletter, type: bool}
`

// templateProject makes a project with roundTripFormat and no recipes yet.
func templateProject(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	if err := os.WriteFile(filepath.Join(dir, "format.yaml"), []byte(roundTripFormat), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(dir, "recipes")); err != nil {
		t.Fatal(err)
	}
	return dir
}

type sheetRows map[string][]map[string]any

func TestTemplateRoundTrip(t *testing.T) {
	dir := templateProject(t)
	book := filepath.Join(t.TempDir(), "acme-template.xlsx")
	mustRun(t, "-C", dir, "template", "-o", book, "--recipes", filepath.Join(dir, "recipes"), "--phone-region", "CH")

	birth := time.Date(1980, 2, 29, 0, 0, 0, 0, time.UTC)
	created := time.Date(2024, 12, 31, 14, 30, 0, 0, time.UTC)
	valid := func(id, email string) map[string]any {
		return map[string]any{"external_id": id, "last_name": "Muster", "structure": "S1", "email": email,
			"phone": "044 668 18 00", "birth_date": birth, "created": created, "category": "VIP",
			"revenue": 1234.5, "visits": 3, "newsletter": "yes"}
	}
	with := func(m map[string]any, k string, v any) map[string]any {
		m = maps.Clone(m)
		m[k] = v
		return m
	}
	rows := sheetRows{
		"structures": {
			{"external_id": "S1", "name": "Alpha AG", "country": "Schweiz", "zip": "0815"},
			{"external_id": "S2", "name": "Beta GmbH", "country": "CH"},
			{"external_id": "S3", "name": "Gamma SA", "country": "Atlantis"},
		},
		"contacts": {
			valid("C1", "c1@example.com"), // real date and date-time cells
			{"external_id": "C2", "last_name": "Keller", "structure": "S2", "email": "c2@example.com",
				"phone": "+41 44 668 18 00", "birth_date": "29.02.1980", "created": "31.12.2024 14:30",
				"category": "PRESS", "revenue": "12.5", "visits": 0, "newsletter": "no"}, // text dates
			with(valid("C3", "c3@example.com"), "birth_date", "31.02.1980"),
			with(valid("C4", "c4@example.com"), "email", "n/a"),
			with(valid("C5", "c5@example.com"), "category", "GOLD"),
			with(valid("C6", "c6@example.com"), "last_name", ""),
			with(valid("C7", "c7@example.com"), "structure", "S3"),
			with(valid("C8", "c8@example.com"), "revenue", "12,50"),
			valid("C1", "c9@example.com"),
			with(valid("C10", "c10@example.com"), "birth_date", "01.01.1850"),
			with(valid("C11", "c11@example.com"), "last_name", strings.Repeat("x", 25)),
			with(valid("C12", "c12@example.com"), "phone", "12 34"),
		},
	}
	fillWorkbook(t, book, rows)
	mustRun(t, "-C", dir, "receive", book)

	p := checkJSON(t, dir)
	want := map[string]struct {
		read, valid int64
		rules       map[string]int
	}{
		"structures": {3, 2, map[string]int{"country/country": 1}},
		"contacts": {12, 2, map[string]int{"birth_date/date": 1, "email/email": 1, "category/enum": 1,
			"last_name/required": 1, "structure/ref": 1, "revenue/decimal": 1, "external_id/unique": 1,
			"birth_date/min": 1, "last_name/max_length": 1, "phone/phone": 1}},
	}
	for _, e := range p.Entities {
		w := want[e.Name]
		if e.Read != w.read || e.Valid != w.valid || !maps.Equal(e.RejectsByRule, w.rules) {
			t.Errorf("%s: read %d valid %d rejects %v; want read %d valid %d rejects %v",
				e.Name, e.Read, e.Valid, e.RejectsByRule, w.read, w.valid, w.rules)
		}
	}
	if len(p.Entities) != 2 {
		t.Errorf("entities %d, want 2", len(p.Entities))
	}
}

// checkJSON runs check --json and returns the protocol; a failed gate is fine.
func checkJSON(t *testing.T, dir string) *protocol.Protocol {
	t.Helper()
	code, out, errOut := runCLI(t, nil, "-C", dir, "check", "--json")
	if code != 0 && code != 3 {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errOut)
	}
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("check --json: %v\n%s", err, out)
	}
	if p.Status != protocol.StatusSucceeded && p.Status != protocol.StatusGateFailed {
		t.Fatalf("check status %s: %s", p.Status, p.Error)
	}
	return &p
}

// fillWorkbook writes rows below the header of each sheet, by column name,
// the way a customer's Excel would store them: strings as text, numbers
// and times as numbers in the column's cell format.
func fillWorkbook(t *testing.T, path string, rows sheetRows) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for sheet, recs := range rows {
		header, err := f.GetRows(sheet)
		if err != nil || len(header) == 0 {
			t.Fatalf("sheet %s: %v", sheet, err)
		}
		col := map[string]int{}
		for i, name := range header[0] {
			col[name] = i + 1
		}
		for r, rec := range recs {
			for name, v := range rec {
				if col[name] == 0 {
					t.Fatalf("sheet %s has no column %s (header %v)", sheet, name, header[0])
				}
				cell, _ := excelize.CoordinatesToCellName(col[name], r+2)
				if err := f.SetCellValue(sheet, cell, v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateCSVRoundTrip(t *testing.T) {
	dir := templateProject(t)
	csvDir := filepath.Join(t.TempDir(), "delivery")
	mustRun(t, "-C", dir, "template", "--csv", csvDir, "--delimiter", ",", "--recipes", filepath.Join(dir, "recipes"))
	data, err := os.ReadFile(filepath.Join(csvDir, "structures.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "\ufeffexternal_id,name,country,zip\r\n"; string(data) != want {
		t.Fatalf("structures.csv = %q, want %q", data, want)
	}
	appendLines(t, filepath.Join(csvDir, "structures.csv"), "S1,\"Alpha, AG\",CH,0815", "S2,,CH,")
	appendLines(t, filepath.Join(csvDir, "contacts.csv"),
		"C1,Muster,S1,c1@example.com,+41 44 668 18 00,29.02.1980,31.12.2024 14:30,VIP,1234.5,3,ja",
		"C2,Keller,S2,c2@example.com,,1980-02-30,,,,,")
	mustRun(t, "-C", dir, "receive", csvDir)
	p := checkJSON(t, dir)
	got := map[string]string{}
	for _, e := range p.Entities {
		got[e.Name] = fmt.Sprintf("%d/%d %v", e.Valid, e.Read, e.RejectsByRule)
	}
	want := map[string]string{
		"structures": "1/2 map[name/required:1]",
		"contacts":   "1/2 map[birth_date/date:1 structure/ref:1]", // S2 was rejected
	}
	if !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func appendLines(t *testing.T, path string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(strings.Join(lines, "\r\n") + "\r\n"); err != nil {
		t.Fatal(err)
	}
}

func TestTemplateUsage(t *testing.T) {
	dir := templateProject(t)
	tmp := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"both outputs", []string{"template", "-o", filepath.Join(tmp, "a.xlsx"), "--csv", tmp}, 2, "not both"},
		{"not xlsx", []string{"template", "-o", filepath.Join(tmp, "a.xls")}, 2, ".xlsx"},
		{"unknown entity", []string{"template", "--entity", "nope", "-o", filepath.Join(tmp, "a.xlsx")}, 2, "entities: structures, contacts"},
		{"bad delimiter", []string{"template", "--csv", tmp, "--delimiter", ";;"}, 2, "one character"},
		{"bad region", []string{"template", "-o", filepath.Join(tmp, "a.xlsx"), "--phone-region", "XX"}, 2, "phone region"},
		{"docs bad zone", []string{"docs", "--timezone", "Mars/Base"}, 2, "time zone"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, nil, append([]string{"-C", dir}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.msg) {
				t.Errorf("exit %d, stderr %q; want %d mentioning %q", code, errOut, c.code, c.msg)
			}
		})
	}
	recipes := filepath.Join(tmp, "recipes")
	mustRun(t, "-C", dir, "template", "-o", filepath.Join(tmp, "a.xlsx"), "--recipes", recipes)
	code, _, errOut := runCLI(t, nil, "-C", dir, "template", "-o", filepath.Join(tmp, "a.xlsx"), "--recipes", recipes)
	if code == 0 || !strings.Contains(errOut, "--force") {
		t.Errorf("existing recipes replaced without --force: exit %d %q", code, errOut)
	}
}

func TestDocsCommand(t *testing.T) {
	dir := templateProject(t)
	md := mustRun(t, "-C", dir, "docs")
	for _, want := range []string{"# Import format: Example AG", "## contacts", "| `birth_date` | Date |", "VIP, REGULAR, PRESS"} {
		if !strings.Contains(md, want) {
			t.Errorf("docs markdown lacks %q", want)
		}
	}
	html := filepath.Join(t.TempDir(), "format.html")
	mustRun(t, "-C", dir, "docs", "-o", html)
	data, err := os.ReadFile(html)
	if err != nil || !strings.HasPrefix(string(data), "<!DOCTYPE html>") || !strings.Contains(string(data), "<style>") {
		t.Errorf("docs -o %s: %v\n%.200s", html, err, data)
	}
}
