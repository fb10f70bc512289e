package local

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/account"
	"github.com/handover/handover/internal/app"
	"github.com/handover/handover/internal/server"
)

// upload is one file of a test delivery.
type upload struct {
	name string
	data []byte
}

// deliver POSTs files as a multipart delivery, streamed, as email.
func (s *story) deliver(email, migration string, files ...upload) (int, []byte) {
	s.t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		for _, f := range files {
			w, err := mw.CreateFormFile("file", f.name)
			if err != nil {
				pw.CloseWithError(err)
				return
			}
			if _, err := w.Write(f.data); err != nil {
				pw.CloseWithError(err)
				return
			}
		}
		pw.CloseWithError(mw.Close())
	}()
	req := httptest.NewRequest("POST", "/api/v1/migrations/"+migration+"/deliveries", pr)
	req.Header.Set("Authorization", "Bearer "+s.tokens[email])
	req.Header.Set("Content-Type", mw.FormDataContentType())
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	io.Copy(io.Discard, pr)
	return rec.Code, rec.Body.Bytes()
}

// exampleFiles are the example's delivery files, the header of kontakte.csv
// changed by edit.
func exampleFiles(t *testing.T, edit func(string) string) []upload {
	t.Helper()
	var out []upload
	for _, name := range []string{"firmen.csv", "kontakte.csv", "verkaeufe.csv"} {
		data, err := os.ReadFile(filepath.Join("../../../examples/acme/delivery", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "kontakte.csv" && edit != nil {
			head, rest, _ := bytes.Cut(data, []byte("\n"))
			data = append([]byte(edit(string(head))+"\n"), rest...)
		}
		out = append(out, upload{name, data})
	}
	return out
}

// leftBehind lists what .handover and the extractions hold besides
// extractions 1..n and the stores: an upload's staging directory
// (extractions/.receiving-*) or an older uploads/ directory.
func (s *story) leftBehind(n int) []string {
	s.t.Helper()
	var out []string
	if _, err := os.Stat(filepath.Join(s.dir, ".handover", "uploads")); err == nil {
		out = append(out, "uploads")
	}
	entries, _ := os.ReadDir(filepath.Join(s.dir, ".handover", "extractions"))
	for _, e := range entries {
		if num, err := strconv.Atoi(e.Name()); err != nil || num < 1 || num > n {
			out = append(out, "extractions/"+e.Name())
		}
	}
	return out
}

func decodeDelivery(t *testing.T, body []byte) server.Delivery {
	t.Helper()
	var d server.Delivery
	if err := json.Unmarshal(body, &d); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	return d
}

// TestDeliverDetectsAndChecks: a customer uploads the example's
// Windows-1252, ;-separated files; each is detected as such, a renamed
// column is named with its likely match, the queued check's rejects equal
// those of `handover check` on the same extraction, and nothing stays in
// the upload directory.
func TestDeliverDetectsAndChecks(t *testing.T) {
	s := newStory(t)
	ann := "ann@acme.example"
	code, body := s.deliver(ann, "acme-onboarding", exampleFiles(t, func(h string) string { return strings.Replace(h, ";EMail;", ";E-Mail;", 1) })...)
	if code != http.StatusCreated {
		t.Fatalf("deliver: %d %s", code, body)
	}
	d := decodeDelivery(t, body)
	if d.Extraction != 2 || d.Run <= 0 || len(d.Files) != 3 {
		t.Fatalf("delivery: %s", body)
	}
	rows := map[string]int64{"firmen.csv": 300, "kontakte.csv": 2000, "verkaeufe.csv": 5000}
	for _, f := range d.Files {
		if f.Encoding != "windows-1252" || f.Delimiter != ";" || f.Format != "csv" || f.Header != 1 || f.Rows != rows[f.Name] {
			t.Errorf("%s detected as %s %q %s header %d, %d rows; want windows-1252 ; csv header 1, %d rows", f.Name, f.Encoding, f.Delimiter, f.Format, f.Header, f.Rows, rows[f.Name])
		}
		var renamed []server.FileProblem
		for _, p := range f.Problems {
			switch p.Kind {
			case "renamed_column":
				renamed = append(renamed, p)
			case "missing_column", "delimiter", "encoding", "unreadable", "no_recipe":
				t.Errorf("%s: unexpected problem %+v", f.Name, p)
			}
		}
		if f.Name == "kontakte.csv" && (len(renamed) != 1 || renamed[0].Column != "EMail" || renamed[0].Found != "E-Mail" || !strings.Contains(renamed[0].Message, `"E-Mail"`)) {
			t.Errorf("kontakte.csv: renamed column not found: %+v", f.Problems)
		}
		if f.Name != "kontakte.csv" && len(renamed) != 0 {
			t.Errorf("%s: %+v", f.Name, renamed)
		}
	}
	if st := s.wait(d.Run); st != "failed" {
		t.Errorf("the check of a delivery without the EMail column: %s", st)
	}
	if left := s.leftBehind(2); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
	// The example's files as they are: the queued check's rejects equal
	// those of the same extraction checked as the command line does.
	code, body = s.deliver(ann, "acme-onboarding", exampleFiles(t, nil)...)
	if d = decodeDelivery(t, body); code != http.StatusCreated || d.Extraction != 3 {
		t.Fatalf("deliver: %d %s", code, body)
	}
	for _, f := range d.Files {
		for _, p := range f.Problems {
			if p.Kind != "extra_column" {
				t.Errorf("%s: %+v", f.Name, p)
			}
		}
	}
	if st := s.wait(d.Run); st != "succeeded" {
		t.Errorf("queued check: %s", st)
	}
	cli, err := s.app.Check(context.Background(), app.CheckRequest{Actor: app.Actor{Name: "cli"}, Project: s.dir, Extraction: 3})
	if err != nil {
		t.Fatal(err)
	}
	queued, err := s.svc.Run(context.Background(), "acme-onboarding", d.Run)
	if err != nil || queued.Protocol == nil {
		t.Fatalf("queued check %d: %v", d.Run, err)
	}
	if queued.Kind != "check" || queued.Extraction != 3 || queued.StartedBy != ann {
		t.Errorf("queued run: %+v", queued.RunSummary)
	}
	if len(queued.Protocol.Entities) != len(cli.Protocol.Entities) || len(cli.Protocol.Entities) != 3 {
		t.Fatalf("entities: %d queued, %d cli", len(queued.Protocol.Entities), len(cli.Protocol.Entities))
	}
	var rejected int64
	for i, e := range cli.Protocol.Entities {
		q := queued.Protocol.Entities[i]
		rejected += e.Rejected
		if q.Name != e.Name || q.Read != e.Read || q.Rejected != e.Rejected || !equalCounts(q.RejectsByRule, e.RejectsByRule) {
			t.Errorf("entity %s: queued read %d rejected %d %v; cli read %d rejected %d %v", e.Name, q.Read, q.Rejected, q.RejectsByRule, e.Read, e.Rejected, e.RejectsByRule)
		}
	}
	if rejected == 0 {
		t.Error("the example has rejects; none counted")
	}
	audit := string(s.expect("eva@vendor.example", "GET", api+"/audit", "", 200, `"action": "deliver"`))
	if !strings.Contains(audit, `"actor": "ann@acme.example",
      "action": "deliver"`) {
		t.Errorf("the delivery is not audited with the account")
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// setPortal appends a portal: section to the project's handover.yaml.
func (s *story) setPortal(yaml string) {
	s.t.Helper()
	path := filepath.Join(s.dir, "handover.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(path, append(data, []byte("\nportal: "+yaml+"\n")...), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// zipOf builds a zip archive; each member is added by its function.
func zipOf(t *testing.T, add ...func(*zip.Writer) error) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range add {
		if err := f(zw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func member(name string, data []byte) func(*zip.Writer) error {
	return func(zw *zip.Writer) error {
		w, err := zw.Create(name)
		if err == nil {
			_, err = w.Write(data)
		}
		return err
	}
}

// TestDeliverRefusals: over a limit → 413, a traversing, linking or
// bombing zip → 400, another customer's migration → 404; never anything
// left behind, no extraction made.
func TestDeliverRefusals(t *testing.T) {
	s := newStory(t)
	ctx := context.Background()
	if _, err := s.accounts.Add(ctx, account.Account{Email: "bob@beta.example", Name: "Bob", Role: account.RoleCustomer, Migrations: []string{"beta"}}, storyPassword); err != nil {
		t.Fatal(err)
	}
	var err error
	if s.tokens["bob@beta.example"], err = s.accounts.NewToken(ctx, "bob@beta.example"); err != nil {
		t.Fatal(err)
	}
	ann := "ann@acme.example"
	files := exampleFiles(t, nil)
	zeros := make([]byte, 40<<20)
	symlink := func(zw *zip.Writer) error {
		h := &zip.FileHeader{Name: "kontakte.csv"}
		h.SetMode(fs.ModeSymlink | 0o777)
		w, err := zw.CreateHeader(h)
		if err == nil {
			_, err = w.Write([]byte("/etc/passwd"))
		}
		return err
	}
	cases := []struct {
		name   string
		as     string
		m      string
		portal string
		files  []upload
		code   int
		msg    string
	}{
		{"other customer", "bob@beta.example", "acme-onboarding", "", files, 404, "not found"},
		{"oversize file", ann, "acme-onboarding", "{max_file_size: 100KB}", files, 413, "kontakte.csv is larger than the 97.7 KiB allowed (portal.max_file_size)"},
		{"oversize delivery", ann, "acme-onboarding", "{max_delivery_size: 500KB}", files, 413, "the delivery is larger than the 488.3 KiB allowed (portal.max_delivery_size)"},
		{"zip traversal", ann, "acme-onboarding", "", []upload{{"d.zip", zipOf(t, member("firmen.csv", files[0].data), member("../evil.csv", []byte("x;y\n")))}}, 400, `contains \"..\"`},
		{"zip absolute", ann, "acme-onboarding", "", []upload{{"d.zip", zipOf(t, member("/tmp/evil.csv", []byte("x;y\n")))}}, 400, "absolute path"},
		{"zip link", ann, "acme-onboarding", "", []upload{{"d.zip", zipOf(t, symlink)}}, 400, "symbolic link"},
		{"zip bomb", ann, "acme-onboarding", "", []upload{{"d.zip", zipOf(t, member("firmen.csv", files[0].data), member("kontakte.csv", zeros))}}, 400, "possible zip bomb"},
		{"zip over the file limit", ann, "acme-onboarding", "{max_file_size: 1MB}", []upload{{"d.zip", zipOf(t, member("kontakte.csv", zeros[:2<<20]))}}, 413, "unzipped"},
		{"path as name", ann, "acme-onboarding", "", []upload{{"..", []byte("x")}}, 400, "not allowed"},
		{"tar", ann, "acme-onboarding", "", []upload{{"d.tar.gz", []byte("x")}}, 400, ".zip archives only"},
		{"duplicate", ann, "acme-onboarding", "", []upload{files[0], files[0]}, 400, "two files named"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.portal != "" {
				s.setPortal(c.portal)
			}
			code, body := s.deliver(c.as, c.m, c.files...)
			if code != c.code || !strings.Contains(string(body), c.msg) || !strings.Contains(string(body), `"error"`) {
				t.Errorf("%d %s, want %d with %q", code, body, c.code, c.msg)
			}
			if left := s.leftBehind(1); len(left) != 0 {
				t.Errorf("left behind: %v", left)
			}
			if c.portal != "" { // back to the project as it was
				path := filepath.Join(s.dir, "handover.yaml")
				data, _ := os.ReadFile(path)
				i := bytes.LastIndex(data, []byte("\nportal: "))
				os.WriteFile(path, data[:i], 0o644)
			}
		})
	}
	// A zip of the same files is delivered like the files.
	code, body := s.deliver(ann, "acme-onboarding", upload{"delivery.zip", zipOf(t, member("firmen.csv", files[0].data), member("kontakte.csv", files[1].data), member("verkaeufe.csv", files[2].data))})
	if d := decodeDelivery(t, body); code != 201 || d.Extraction != 2 || len(d.Files) != 3 || d.Files[1].Rows != 2000 {
		t.Errorf("zip delivery: %d %s", code, body)
	}
	if left := s.leftBehind(2); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// TestCustomerStartsChecksOnly: a customer may check their migration,
// not import it.
func TestCustomerStartsChecksOnly(t *testing.T) {
	s := newStory(t)
	ann := "ann@acme.example"
	s.expect(ann, "POST", api+"/runs", `{"kind":"import","env":"dev"}`, 403, "may not start a import")
	s.expect(ann, "POST", api+"/runs", `{"kind":"sync","env":"dev"}`, 403, "may not")
	out := s.expect(ann, "POST", api+"/runs", `{"kind":"check"}`, 202, `"run"`)
	var r struct{ Run int }
	json.Unmarshal(out, &r)
	if st := s.wait(r.Run); st != "succeeded" {
		t.Errorf("customer's check: %s", st)
	}
}

// editContacts rewrites kontakte.csv record by record (csv, ;): drop
// reports the records to leave out, edit changes the others.
func editContacts(t *testing.T, drop func(rec []string) bool, edit func(rec []string)) []byte {
	t.Helper()
	data, err := os.ReadFile("../../../examples/acme/delivery/kontakte.csv")
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma, r.LazyQuotes, r.FieldsPerRecord = ';', true, -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Comma = ';'
	w.UseCRLF = false
	for i, rec := range recs {
		if i > 0 && drop(rec) {
			continue
		}
		if i > 0 {
			edit(rec)
		}
		w.Write(rec)
	}
	w.Flush()
	return buf.Bytes()
}

// TestDeliveriesCompareSubmit: a second delivery fixes two rejected
// contacts and breaks one; the comparison counts them by key, the
// rejects workbook keeps a formula as text, the customer submits the
// delivery and the team's import takes it by default, even after a newer
// extraction arrived.
func TestDeliveriesCompareSubmit(t *testing.T) {
	s := newStory(t)
	ctx := context.Background()
	eva, ann := "eva@vendor.example", "ann@acme.example"
	s.expect(ann, "GET", api+"/deliveries/1/compare", "", 409, "no finished check")
	first, st := s.start(`{"kind":"check","extraction":1}`)
	if st != "succeeded" {
		t.Fatalf("check of extraction 1: %s", st)
	}
	var rejects server.Rejects
	s.expect(ann, "GET", api+"/runs/"+itoa(first)+"/rejects/contacts.csv", "", 200, "line,errors")
	rj, err := s.svc.Rejects(ctx, "acme-onboarding", first, "contacts")
	if err != nil || len(rj.Rows) < 3 {
		t.Fatalf("rejects of run %d: %v %d", first, err, len(rj.Rows))
	}
	rejects = *rj
	idCol := slicesIndex(rejects.Columns, "ID")
	fixed := map[string]bool{strings.TrimSpace(rejects.Rows[0].Values[idCol]): true, strings.TrimSpace(rejects.Rows[1].Values[idCol]): true}
	rejected := map[string]bool{}
	for _, row := range rejects.Rows {
		rejected[strings.TrimSpace(row.Values[idCol])] = true
	}
	broken := ""
	const formula = `=HYPERLINK("http://x","y")`
	kontakte := editContacts(t, func(rec []string) bool { return fixed[strings.TrimSpace(rec[0])] }, func(rec []string) {
		if broken == "" && !rejected[strings.TrimSpace(rec[0])] && rec[14] == "aktiv" {
			broken = strings.TrimSpace(rec[0])
			rec[12], rec[16] = "31.02.1980", formula // Geburtsdatum, Notiz
		}
	})
	files := exampleFiles(t, nil)
	files[1].data = kontakte
	code, body := s.deliver(ann, "acme-onboarding", files...)
	d := decodeDelivery(t, body)
	if code != 201 || d.Extraction != 2 {
		t.Fatalf("deliver: %d %s", code, body)
	}
	if st := s.wait(d.Run); st != "succeeded" {
		t.Fatalf("check of the delivery: %s", st)
	}
	var cmp server.DeliveryComparison
	json.Unmarshal(s.expect(ann, "GET", api+"/deliveries/2/compare", "", 200, `"entities"`), &cmp)
	if cmp.Previous != 1 || cmp.PreviousRun != first || cmp.Run != d.Run || len(cmp.Entities) != 3 {
		t.Fatalf("comparison: %+v", cmp)
	}
	for _, e := range cmp.Entities {
		want := server.EntityComparison{Entity: e.Entity, Rows: e.PreviousRows, PreviousRows: e.PreviousRows, Rejected: e.PreviousRejected,
			PreviousRejected: e.PreviousRejected, StillFailing: int(e.PreviousRejected)}
		if e.Entity == "contacts" {
			want.Rows, want.Added, want.Rejected = e.PreviousRows-2, -2, e.PreviousRejected-1
			want.Fixed, want.StillFailing, want.NewFailing = 2, int(e.PreviousRejected)-2, 1
		}
		if e.Entity == "sales" { // sales of the dropped contacts may fail their reference now
			want.Rejected, want.StillFailing, want.NewFailing = e.Rejected, int(e.PreviousRejected), e.NewFailing
		}
		if e != want {
			t.Errorf("comparison of %s:\n got %+v\nwant %+v", e.Entity, e, want)
		}
	}
	// The customer's workbook: the formula they typed comes back as text.
	code, xlsx := s.call(ann, "GET", api+"/runs/"+itoa(d.Run)+"/rejects/contacts.xlsx", "")
	if code != 200 {
		t.Fatalf("xlsx: %d", code)
	}
	f, err := excelize.OpenReader(bytes.NewReader(xlsx))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("contacts")
	found := false
	for i, row := range rows {
		if len(row) > 2+idCol && strings.TrimSpace(row[2+idCol]) == broken {
			found = true
			cell, _ := excelize.CoordinatesToCellName(2+16+1, i+1)
			v, _ := f.GetCellValue("contacts", cell)
			formulaIn, _ := f.GetCellFormula("contacts", cell)
			if v != formula || formulaIn != "" {
				t.Errorf("cell %s: value %q formula %q; want the plain string %q", cell, v, formulaIn, formula)
			}
			if !strings.Contains(row[1], "birth_date") {
				t.Errorf("errors of the broken contact: %q", row[1])
			}
		}
	}
	if !found {
		t.Errorf("contact %s is not in the workbook", broken)
	}
	// Submit: the customer's, once.
	s.expect(eva, "POST", api+"/deliveries/2/submit", "", 403, "may not submit")
	out := s.expect(ann, "POST", api+"/deliveries/2/submit", "", 200, `"status": "submitted"`)
	if !strings.Contains(string(out), `"submitted_by": "ann@acme.example"`) {
		t.Errorf("submit: %s", out)
	}
	s.expect(ann, "POST", api+"/deliveries/2/submit", "", 409, "submitted already")
	s.expect(ann, "POST", api+"/deliveries/9/submit", "", 404, "")
	// A newer extraction, received by the team: the import still takes
	// the submitted one unless told otherwise.
	if _, err := s.app.Receive(ctx, app.ReceiveRequest{Actor: app.Actor{Name: "eva"}, Project: s.dir, Paths: []string{filepath.Join(s.dir, "delivery")}}); err != nil {
		t.Fatal(err)
	}
	res, err := s.app.Import(ctx, app.ImportRequest{Actor: app.Actor{Name: eva}, Project: s.dir, Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Protocol.Extraction != 2 {
		t.Errorf("import without --extraction took extraction %d, want the submitted 2", res.Protocol.Extraction)
	}
	var list struct{ Deliveries []server.DeliverySummary }
	json.Unmarshal(s.expect(ann, "GET", api+"/deliveries", "", 200, `"deliveries"`), &list)
	if len(list.Deliveries) != 3 {
		t.Fatalf("deliveries: %+v", list)
	}
	got := []string{}
	for _, x := range list.Deliveries {
		got = append(got, fmt.Sprintf("%d %s %s %d", x.Extraction, x.Status, x.By, x.Run))
	}
	want := []string{"1 checked  " + itoa(first), "2 submitted ann@acme.example " + itoa(d.Run), "3 received  0"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("deliveries:\n got %q\nwant %q", got, want)
	}
	audit := string(s.expect(eva, "GET", api+"/audit", "", 200, `"action": "submit"`))
	if !strings.Contains(audit, `"actor": "ann@acme.example",
      "action": "submit"`) {
		t.Error("the submission is not audited with the account")
	}
}

func slicesIndex(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
