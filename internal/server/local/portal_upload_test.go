package local

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// uploadFiles chooses files in the portal's upload form and submits it;
// it waits for the answer: the detection screen or the refusal.
func (b *browserSession) uploadFiles(paths ...string) {
	b.t.Helper()
	b.run("upload "+strings.Join(paths, ", "),
		chromedp.Navigate(b.base+portalURL), chromedp.WaitVisible(chromedp.CSS(`#upload-files`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#upload-files`), paths),
		chromedp.Click(chromedp.CSS(`#upload-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#detection, #refused`)))
}

// fileCard reads what the detection screen says of one file.
func fileCard(b *browserSession, name string) map[string]string {
	b.t.Helper()
	return eval[map[string]string](b, fmt.Sprintf(`(() => { const c = document.querySelector('section.file[data-file=%q]'); if (!c) return {};
		const o = {}; c.querySelectorAll('dd').forEach(d => o[d.className] = d.textContent);
		o.problems = [...c.querySelectorAll('li.problem')].map(li => li.dataset.kind + ': ' + li.textContent).join('\n'); return o; })()`, name))
}

// TestPortalUploadBrowser: the customer uploads their delivery in the
// browser. A ;-separated Windows-1252 CSV is detected as such; a renamed
// column is named with its likely match; the queued check's counts and
// messages on the result screen are the CLI's; an oversize file and a zip
// bomb are refused, with nothing left in the upload directory.
func TestPortalUploadBrowser(t *testing.T) {
	clock := new(testClock)
	clock.at(acmeCutover, -20)
	s := newPortalStory(t, clock, false)
	b := newBrowser(t, s)
	t.Logf("screenshots in %s", b.shots)
	b.login("ann@acme.example")
	if got := b.text("#expected"); !strings.Contains(got, "Deliver your data by J-14") {
		t.Errorf("what is expected before the first delivery: %q", got)
	}
	b.shot("upload-home")

	// A delivery whose contacts file has a renamed column.
	dir := t.TempDir()
	var paths []string
	for _, name := range []string{"firmen.csv", "kontakte.csv", "verkaeufe.csv"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "delivery", name))
		if err != nil {
			t.Fatal(err)
		}
		if name == "kontakte.csv" {
			data = []byte(strings.Replace(string(data), ";EMail;", ";E-Mail;", 1))
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	b.uploadFiles(paths...)
	k := fileCard(b, "kontakte.csv")
	if k["d-format"] != "csv" || k["d-encoding"] != "windows-1252" || k["d-delimiter"] != "; (semicolon)" || k["d-header"] != "line 1" || k["d-rows"] != "2001" {
		t.Errorf("kontakte.csv detected as %q", k)
	}
	if !strings.Contains(k["problems"], `renamed_column: column "EMail" is missing; is it "E-Mail"?`) {
		t.Errorf("no rename suggestion for kontakte.csv: %q", k["problems"])
	}
	if f := fileCard(b, "firmen.csv"); f["d-encoding"] != "windows-1252" || f["d-delimiter"] != "; (semicolon)" || f["problems"] != `extra_column: column "Branche" is not used by the import (it is ignored)` {
		t.Errorf("firmen.csv detected as %q", f)
	}
	b.run("the check ends", chromedp.WaitVisible(chromedp.CSS(`#check-status.s-succeeded, #check-status.s-failed`)))
	b.shot("upload-detection")
	b.run("the failed check", chromedp.Click(chromedp.CSS(`#result-link`)), chromedp.WaitVisible(chromedp.CSS(`h1 #status`)))
	if body := b.text("#stopped"); !strings.Contains(body, "could not be checked") || !strings.Contains(body, `did you mean "E-Mail"`) || strings.Contains(body, s.dir) {
		t.Errorf("the result of a check that failed on the missing column: %.400q", body)
	}
	b.shot("upload-check-failed")
	if left := s.leftBehind(1); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}

	// The fixed delivery: its check is the CLI's, count for count.
	b.uploadFiles(filepath.Join(s.dir, "delivery", "firmen.csv"), filepath.Join(s.dir, "delivery", "kontakte.csv"), filepath.Join(s.dir, "delivery", "verkaeufe.csv"))
	if loc := b.location(); !strings.HasSuffix(loc, portalURL) {
		t.Errorf("after the upload the browser is at %s", loc)
	}
	if got := b.text("#detect-summary"); !strings.Contains(got, "Every file is read as expected") {
		t.Errorf("the fixed delivery: %q", got)
	}
	b.run("result of delivery 2", chromedp.WaitVisible(chromedp.CSS(`#check-status.s-succeeded`)),
		chromedp.Click(chromedp.CSS(`#result-link`)), chromedp.WaitVisible(chromedp.CSS(`#summary`)))
	counts, _ := cliCheck(t)
	for name, c := range counts {
		cells := eval[[]string](b, `[...document.querySelectorAll('#entity-`+name+` td')].map(td => td.textContent)`)
		want := []string{name, fmt.Sprint(c[0]), fmt.Sprint(c[3]), fmt.Sprint(c[2]), fmt.Sprint(c[1])}
		if len(cells) < 5 || strings.Join(cells[:5], "|") != strings.Join(want, "|") {
			t.Errorf("counts of %s on screen %q, the CLI's %q", name, cells, want)
		}
	}
	b.shot("upload-result")

	// The customer submits delivery 2; delivery 3 fixes a contact, and
	// its comparison with delivery 2 says so.
	b.run("submit", chromedp.Click(chromedp.CSS(`#submit-delivery`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := b.text("#delivery-2"); !strings.Contains(got, "submitted") {
		t.Errorf("delivery 2 after its submission: %q", got)
	}
	b.shot("upload-submitted")
	var fixed []string
	dir3 := filepath.Join(dir, "3")
	if err := os.Mkdir(dir3, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"firmen.csv", "kontakte.csv", "verkaeufe.csv"} {
		data, err := os.ReadFile(filepath.Join(s.dir, "delivery", name))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir3, name)
		if err := os.WriteFile(p, []byte(strings.Replace(string(data), ";not-an-email;", ";hanna.link@example.com;", 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		fixed = append(fixed, p)
	}
	b.uploadFiles(fixed...)
	b.run("result of delivery 3", chromedp.WaitVisible(chromedp.CSS(`#check-status.s-succeeded`)),
		chromedp.Click(chromedp.CSS(`#result-link`)), chromedp.WaitVisible(chromedp.CSS(`#compare`)))
	if cells := eval[[]string](b, `[...document.querySelectorAll('#compare-contacts td')].map(td => td.textContent)`); len(cells) != 7 || cells[4] != "1" || cells[6] != "0" {
		t.Errorf("delivery 3 against 2, contacts: %q (want 1 fixed, none newly failing)", cells)
	}
	b.shot("upload-compare")

	// An oversize file and a zip bomb: refused, nothing kept.
	s.setPortal("{max_file_size: 100KB}")
	b.uploadFiles(filepath.Join(s.dir, "delivery", "kontakte.csv"))
	if got := b.text("#refusal"); !strings.Contains(got, "kontakte.csv is larger than the 97.7 KiB allowed") {
		t.Errorf("oversize file: %q", got)
	}
	b.shot("upload-oversize")
	if left := s.leftBehind(3); len(left) != 0 {
		t.Errorf("left behind after the oversize file: %v", left)
	}
	cfg := filepath.Join(s.dir, "handover.yaml")
	data, _ := os.ReadFile(cfg)
	os.WriteFile(cfg, data[:strings.LastIndex(string(data), "\nportal: ")], 0o644)
	bomb := filepath.Join(dir, "delivery.zip")
	if err := os.WriteFile(bomb, zipOf(t, member("kontakte.csv", make([]byte, 40<<20))), 0o644); err != nil {
		t.Fatal(err)
	}
	b.uploadFiles(bomb)
	if got := b.text("#refusal"); !strings.Contains(got, "possible zip bomb") {
		t.Errorf("zip bomb: %q", got)
	}
	b.shot("upload-zip-bomb")
	if left := s.leftBehind(3); len(left) != 0 {
		t.Errorf("left behind after the zip bomb: %v", left)
	}
}
