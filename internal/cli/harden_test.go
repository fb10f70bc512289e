package cli

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestReceiveRefusesZipBomb: receive refuses an archive that unpacks to
// far more than it weighs, says so once ("receive:" not twice), and keeps
// nothing.
func TestReceiveRefusesZipBomb(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	bomb := filepath.Join(t.TempDir(), "bomb.zip")
	f, err := os.Create(bomb)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, _ := zw.Create("kontakte.csv")
	zeros := make([]byte, 1<<20)
	for range 40 {
		w.Write(zeros)
	}
	zw.Close()
	f.Close()
	code, _, errOut := runCLI(t, nil, "-C", dir, "receive", bomb)
	if code == 0 || !strings.Contains(errOut, "zip bomb") || strings.Contains(errOut, "receive: receive:") {
		t.Errorf("exit %d, stderr %q; want a refusal naming a zip bomb, saying receive once", code, errOut)
	}
	code, _, errOut = runCLI(t, nil, "-C", dir, "receive", filepath.Join(dir, "sample"), "--max-size", "1KiB")
	if code != 0 {
		t.Errorf("a plain directory is no archive: exit %d %s", code, errOut)
	}
	code, _, errOut = runCLI(t, nil, "-C", dir, "receive", bomb, "--max-size", "lots")
	if code == 0 || !strings.Contains(errOut, "--max-size") {
		t.Errorf("bad --max-size: exit %d %q", code, errOut)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, ".handover", "extractions"))
	if len(entries) != 1 || entries[0].Name() != "1" {
		t.Errorf("extractions %v, want only 1", entries)
	}
}

// TestInitEmpty: init --empty makes a project without the sample; init
// errors say "init" once.
func TestInitEmpty(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "x")
	out := mustRun(t, "init", "--empty", dir)
	if !strings.Contains(out, "format.yaml") {
		t.Errorf("stdout %q does not say what to do next", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "sample")); err == nil {
		t.Error("init --empty wrote sample/")
	}
	code, _, errOut := runCLI(t, nil, "init", dir)
	if code == 0 || strings.Count(errOut, "init") != 1 {
		t.Errorf("second init: exit %d, stderr %q; want a refusal saying init once", code, errOut)
	}
}

// TestPeekSaysWhatApplies: peek shows no delimiter for JSONL and xlsx and
// no empty encoding for xlsx; the init sample's encoding is named as its
// recipe names it; a short row is shown with a warning, its missing
// values as missing, not as empty text.
func TestPeekSaysWhatApplies(t *testing.T) {
	dir := t.TempDir()
	jsonl := filepath.Join(dir, "k.jsonl")
	os.WriteFile(jsonl, []byte(`{"a":"1","b":"x"}`+"\n"), 0o644)
	out := mustRun(t, "peek", jsonl)
	if strings.Contains(out, "delimiter") || !strings.Contains(out, "jsonl") || !strings.Contains(out, "encoding utf-8") {
		t.Errorf("peek jsonl:\n%s", out)
	}
	xlsx := filepath.Join(dir, "k.xlsx")
	writeTestXLSX(t, xlsx)
	out = mustRun(t, "peek", xlsx)
	if strings.Contains(out, "delimiter") || strings.Contains(out, "encoding") || !strings.Contains(out, "xlsx") {
		t.Errorf("peek xlsx:\n%s", out)
	}
	proj := filepath.Join(dir, "p")
	mustRun(t, "init", proj)
	out = mustRun(t, "peek", filepath.Join(proj, "sample", "firmen.csv"))
	if !strings.Contains(out, "encoding windows-1252") {
		t.Errorf("peek of the sample does not say windows-1252, as its recipe does:\n%s", out)
	}
	short := filepath.Join(dir, "short.csv")
	os.WriteFile(short, []byte("a;b;c\n1;2\n"), 0o644)
	out = mustRun(t, "peek", short)
	if !strings.Contains(out, "warning: the row has 2 fields, the header has 3") || !strings.Contains(out, "(missing)") {
		t.Errorf("peek of a short row:\n%s", out)
	}
}

// writeTestXLSX writes a minimal workbook with a header and one row.
func writeTestXLSX(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, body := range map[string]string{
		"xl/workbook.xml": `<workbook xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
			`<sheets><sheet name="Daten" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<Relationships><Relationship Id="rId1" ` +
			`Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>a</t></is></c></row>` +
			`<row r="2"><c><v>1</v></c></row></sheetData></worksheet>`,
	} {
		w, _ := zw.Create(name)
		w.Write([]byte(body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
}

// TestFilesSyncDestinationHoldsOnlyTheFiles: files sync to a directory
// store leaves exactly the delivered files there; the hash index is in
// the project's .handover/.
func TestFilesSyncDestinationHoldsOnlyTheFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	delivery := filepath.Join(t.TempDir(), "d")
	os.MkdirAll(filepath.Join(delivery, "files", "docs"), 0o755)
	os.WriteFile(filepath.Join(delivery, "files", "docs", "a.pdf"), []byte("%PDF a"), 0o644)
	os.WriteFile(filepath.Join(delivery, "kontakte.csv"), []byte("a;b\n1;2\n"), 0o644)
	mustRun(t, "-C", dir, "receive", delivery)
	mustRun(t, "-C", dir, "files", "sync", "--env", "dev")
	var found []string
	filepath.WalkDir(filepath.Join(dir, ".handover", "dev-files"), func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			found = append(found, filepath.Base(p))
		}
		return nil
	})
	if len(found) != 1 || found[0] != "a.pdf" {
		t.Errorf("the destination holds %v, want only a.pdf", found)
	}
	idx, _ := filepath.Glob(filepath.Join(dir, ".handover", "files-index", "*.json"))
	if len(idx) != 1 {
		t.Errorf("hash index files %v, want one in .handover/files-index", idx)
	}
}

// TestPlanStepsFollowTheProject: the sample project has no fix-up rules:
// its runbook has no fixup step that could never be done.
func TestPlanStepsFollowTheProject(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	out := mustRun(t, "-C", dir, "plan")
	if strings.Contains(out, "fixup") || !strings.Contains(out, "prod_import") {
		t.Errorf("plan of a project without fix-up rules:\n%s", out)
	}
}

// TestUsageErrorsByType: cobra's argument errors are usage errors (exit
// 2) by type; a failure whose text merely looks like one is not.
func TestUsageErrorsByType(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{{"frobnicate"}, {"peek"}, {"files", "frobnicate"}, {"init", "a", "b"}} {
		if code, _, errOut := runCLI(t, nil, append([]string{"-C", dir}, args...)...); code != 2 {
			t.Errorf("handover %v: exit %d (%s), want 2", args, code, errOut)
		}
	}
	code, _, errOut := runCLI(t, nil, "peek", filepath.Join(dir, "requires at least one invalid argument.csv"))
	if code != 1 {
		t.Errorf("a missing file named like a usage error: exit %d (%s), want 1", code, errOut)
	}
}

// TestRejectsXLSXOneWorkbook: with several entities, -o rejects.xlsx is
// one workbook with a sheet per entity, not a directory.
func TestRejectsXLSXOneWorkbook(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	mustRun(t, "-C", dir, "receive", filepath.Join(dir, "sample"))
	runCLI(t, nil, "-C", dir, "check")
	out := filepath.Join(t.TempDir(), "rejects.xlsx")
	mustRun(t, "-C", dir, "rejects", "1", "--format", "xlsx", "-o", out)
	fi, err := os.Stat(out)
	if err != nil || fi.IsDir() {
		t.Fatalf("%s: %v, a directory: %v", out, err, fi != nil && fi.IsDir())
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "structures,contacts" {
		t.Errorf("sheets %s, want structures,contacts", got)
	}
}
