package local

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

const (
	portalAPI = "/api/v1/migrations/acme-onboarding"
	portalURL = "/portal/acme-onboarding"
)

// form posts a form as email (bearer token).
func (s *story) form(email, path string, v url.Values) (int, string) {
	s.t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(v.Encode()))
	req.Header.Set("Authorization", "Bearer "+s.tokens[email])
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func detailHash(t *testing.T, s *story, n int) string {
	t.Helper()
	d, err := s.svc.Run(context.Background(), "acme-onboarding", n)
	if err != nil {
		t.Fatal(err)
	}
	return d.ProtocolHash
}

// allowDownloads lets the browser save downloads into a new directory.
func (b *browserSession) allowDownloads() string {
	b.t.Helper()
	dir := b.t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		b.t.Fatal(err)
	}
	return dir
}

// eval runs a script on the page and returns its JSON result.
func eval[T any](b *browserSession, script string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		b.fail("evaluate "+script, err)
	}
	return v
}

func (b *browserSession) location() string {
	b.t.Helper()
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("location", err)
	}
	return loc
}

// problemsOnScreen reads the problems table: line and message of each.
func problemsOnScreen(b *browserSession) [][2]string {
	rows := eval[[][]string](b, `[...document.querySelectorAll('table.problems tbody tr')].map(tr => [tr.cells[0].textContent, tr.cells[3].textContent])`)
	out := make([][2]string, len(rows))
	for i, r := range rows {
		out[i] = [2]string{r[0], r[1]}
	}
	return out
}

// TestPortalBrowser walks the customer's side of the story in Chromium:
// the portal's home with the dates and what is expected, the format and
// the template, the result of the check of their delivery (the counts
// and messages of the CLI's check, the rejects workbook), the J-2
// sign-off (disabled before J-2, accepted at J-2, in the audit log under
// the customer's account, voided by a later import), the team's preview
// with the buttons disabled, another customer's 404s, and no secret on
// any customer page.
func TestPortalBrowser(t *testing.T) {
	clock := new(testClock)
	clock.at(acmeCutover, -3)
	s := newPortalStory(t, clock, true)
	b := newBrowser(t, s)
	t.Logf("screenshots in %s", b.shots)
	eva, rita, ann, bob, leo := "eva@vendor.example", "rita@vendor.example", "ann@acme.example", "bob@beta.example", "leo@vendor.example"

	// The team: a check of the delivery, dev, the reviewer, preprod.
	check, st := s.start(`{"kind":"check"}`)
	if st != "succeeded" {
		t.Fatalf("check: %s", st)
	}
	dev, _ := s.start(`{"kind":"import","env":"dev"}`)
	s.expect(rita, "POST", portalAPI+"/runs/"+itoa(dev)+"/signoffs", `{"role":"reviewer","note":"`+portalInternalNote+`"}`, 201, "")
	s.expect(eva, "POST", portalAPI+"/confirmations", `{"step":"preprod_refreshed","note":"`+portalInternalNote+`"}`, 201, "")
	pre, st := s.start(`{"kind":"import","env":"preprod"}`)
	if st != "succeeded" {
		t.Fatalf("preprod import: %s", st)
	}

	// The customer logs in and lands on the portal of their migration.
	b.run("login screen", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	b.fillLogin(ann)
	b.run("portal", chromedp.WaitVisible(chromedp.CSS(`#expected`)))
	if loc := b.location(); !strings.HasSuffix(loc, portalURL) {
		t.Errorf("the customer landed on %s", loc)
	}
	if got := b.text("#expected"); !strings.Contains(got, "Validate the test system") || !strings.Contains(got, "Sign-off opens on 13 December 2026") {
		t.Errorf("what is expected: %q", got)
	}
	if got := b.text("#dates"); !strings.Contains(got, "J-14") || !strings.Contains(got, "2026-12-01") || !strings.Contains(got, "J-2") || !strings.Contains(got, "2026-12-13") {
		t.Errorf("dates: %q", got)
	}
	if !eval[bool](b, `document.querySelector('#approve').disabled && document.querySelector('#refuse').disabled`) {
		t.Error("the J-2 sign-off is enabled at J-3")
	}
	if got := b.text("#signoff-reason"); !strings.Contains(got, "J-2") {
		t.Errorf("why the sign-off is disabled: %q", got)
	}
	b.shot("portal-home-before-j2")
	s.expect(ann, "POST", portalAPI+"/runs/"+itoa(pre)+"/signoffs", `{"role":"customer"}`, 409, "the sign-off opens that day")

	// The format, as handover docs, and the template, as handover template.
	b.run("format", chromedp.Navigate(b.base+portalURL+"/format"), chromedp.WaitVisible(chromedp.CSS(`article.doc`)))
	if got := b.text("article.doc"); !strings.Contains(got, "a Swiss company number like CHE-123.456.789") || !strings.Contains(got, "When a row is not imported") {
		t.Errorf("format documentation: %.300q", got)
	}
	b.shot("portal-format")
	dl := b.allowDownloads()
	b.run("template", chromedp.Navigate(b.base+portalURL), chromedp.WaitVisible(chromedp.CSS(`#template`)), chromedp.Click(chromedp.CSS(`#template`)))
	tf, err := excelize.OpenFile(waitFile(t, dl, ".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if sheets := tf.GetSheetList(); !slices.Contains(sheets, "Instructions") || !slices.Contains(sheets, "contacts") || !slices.Contains(sheets, "sales") {
		t.Errorf("template sheets: %v", sheets)
	}
	tf.Close()

	// The result of the check: the CLI's counts and messages, exactly.
	counts, cliRejects := cliCheck(t)
	b.run("result", chromedp.Navigate(fmt.Sprintf("%s%s/runs/%d", b.base, portalURL, check)), chromedp.WaitVisible(chromedp.CSS(`#summary`)))
	b.shot("portal-result")
	var total int64
	for name, c := range counts {
		cells := eval[[]string](b, `[...document.querySelectorAll('#entity-`+name+` td')].map(td => td.textContent)`)
		want := []string{name, fmt.Sprint(c[0]), fmt.Sprint(c[3]), fmt.Sprint(c[2]), fmt.Sprint(c[1])}
		if len(cells) < 5 || !slices.Equal(cells[:5], want) {
			t.Errorf("counts of %s on screen %q, the CLI's %q", name, cells, want)
		}
		total += c[2]
	}
	if got := b.text("#rejected-total"); got != fmt.Sprint(total) {
		t.Errorf("rejected total %s, the CLI's %d", got, total)
	}
	for name, rows := range cliRejects {
		b.run("rejects of "+name, chromedp.Navigate(fmt.Sprintf("%s%s/runs/%d?entity=%s", b.base, portalURL, check, name)),
			chromedp.WaitVisible(chromedp.CSS(`table.problems`)))
		var want [][2]string
		for _, r := range rows {
			for _, msg := range strings.Split(r.Errors, " | ") {
				want = append(want, [2]string{strconv.Itoa(r.Line), msg})
			}
		}
		if got := problemsOnScreen(b); !slices.Equal(got, want) {
			t.Errorf("%s: %d problems on screen, the CLI's %d; first on screen %q, the CLI's %q", name, len(got), len(want), got[:min(3, len(got))], want[:min(3, len(want))])
		}
	}

	// The workbook of the rejects equals the screen; a formula is text.
	b.run("contacts rejects", chromedp.Navigate(fmt.Sprintf("%s%s/runs/%d?entity=contacts", b.base, portalURL, check)),
		chromedp.WaitVisible(chromedp.CSS(`#xlsx-contacts`)))
	b.shot("portal-rejects")
	screen := map[string][]string{}
	for _, p := range problemsOnScreen(b) {
		screen[p[0]] = append(screen[p[0]], p[1])
	}
	dl = b.allowDownloads()
	b.run("download rejects", chromedp.Click(chromedp.CSS(`#xlsx-contacts`)))
	xf, err := excelize.OpenFile(waitFile(t, dl, ".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	sheet := xf.GetSheetName(0)
	rows, err := xf.GetRows(sheet)
	if err != nil || len(rows) != len(screen)+1 {
		t.Fatalf("workbook: %v, %d rows for %d rejected lines on screen", err, len(rows)-1, len(screen))
	}
	notiz := slices.Index(rows[0], "Notiz")
	hyperlink := false
	for i, row := range rows[1:] {
		if got, want := row[1], strings.Join(screen[row[0]], " | "); got != want {
			t.Errorf("workbook line %s: errors %q, on screen %q", row[0], got, want)
		}
		if strings.Contains(row[1], "not-an-email") {
			cell, _ := excelize.CoordinatesToCellName(notiz+1, i+2)
			v, _ := xf.GetCellValue(sheet, cell)
			f, _ := xf.GetCellFormula(sheet, cell)
			typ, _ := xf.GetCellType(sheet, cell)
			hyperlink = v == `=HYPERLINK("http://x","y")` && f == "" && typ != excelize.CellTypeFormula
			if !hyperlink {
				t.Errorf("the formula cell came back as value %q formula %q type %v", v, f, typ)
			}
		}
	}
	if !hyperlink {
		t.Error("the row with the formula is not in the workbook")
	}
	xf.Close()

	// At J-2 the customer signs preprod off.
	clock.at(acmeCutover, -2)
	b.run("sign off", chromedp.Navigate(b.base+portalURL), chromedp.WaitVisible(chromedp.CSS(`#approve:not([disabled])`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=note]`), "checked 20 contacts and 5 companies in preprod"),
		chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := b.text("#validation"); !strings.Contains(got, "Signed off by ann@acme.example") {
		t.Errorf("after the sign-off: %q", got)
	}
	b.shot("portal-signed")
	b.logout()

	// The team's preview: the customer's buttons are disabled; the audit
	// log has the sign-off under the customer's account.
	b.login(leo)
	b.run("lead's preview", chromedp.Navigate(b.base+portalURL), chromedp.WaitVisible(chromedp.CSS(`#validation`)))
	if !eval[bool](b, `document.querySelector('#approve').disabled`) || !strings.Contains(b.text("#signoff-reason"), "Only the customer's account signs here") {
		t.Errorf("the lead may sign the customer's validation: %q", b.text("#validation"))
	}
	b.shot("portal-preview-lead")
	if code, body := s.form(leo, portalURL+"/runs/"+itoa(pre)+"/signoff", url.Values{"protocol_hash": {detailHash(t, s, pre)}}); code != http.StatusForbidden || !strings.Contains(body, "may not sign as customer") {
		t.Errorf("the lead posting the customer's sign-off: %d %.200s", code, body)
	}
	b.run("audit", chromedp.Navigate(b.base+"/m/acme-onboarding/audit?actor=ann"), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))
	if got := b.text("table.grid tbody"); !strings.Contains(got, "ann@acme.example") || !strings.Contains(got, "approve") || !strings.Contains(got, "run "+itoa(pre)) {
		t.Errorf("audit log: %.400q", got)
	}
	b.shot("portal-audit")
	b.logout()

	// Another customer: every URL of acme is a 404, in the browser too.
	for _, path := range []string{portalURL, portalURL + "/format", portalURL + "/format/format.html", portalURL + "/template.xlsx",
		portalURL + "/runs/" + itoa(check), portalURL + "/runs/" + itoa(check) + "?entity=contacts",
		"/m/acme-onboarding/runs/" + itoa(check) + "/rejects/contacts.xlsx"} {
		if code, _ := s.call(bob, "GET", path, ""); code != http.StatusNotFound {
			t.Errorf("bob GET %s: %d", path, code)
		}
	}
	for _, path := range []string{portalURL + "/runs/" + itoa(pre) + "/signoff", portalURL + "/deliveries/1/submit"} {
		if code, _ := s.form(bob, path, url.Values{"protocol_hash": {"sha256:00"}}); code != http.StatusNotFound {
			t.Errorf("bob POST %s: %d", path, code)
		}
	}
	b.login(bob)
	if loc := b.location(); !strings.HasSuffix(loc, "/portal/beta-rollout") {
		t.Errorf("bob landed on %s", loc)
	}
	b.run("bob at acme", chromedp.Navigate(b.base+portalURL+"/runs/"+itoa(check)), chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if got := b.text("h1"); got != "Not Found" {
		t.Errorf("bob at acme's run sees %q", got)
	}
	b.shot("portal-other-customer")
	b.logout()

	// A later import into preprod voids the sign-off.
	pre2, _ := s.start(`{"kind":"import","env":"preprod"}`)
	detail, err := s.svc.Run(context.Background(), "acme-onboarding", pre)
	if err != nil || len(detail.SignOffs) != 1 || !detail.SignOffs[0].Void || detail.SignOffs[0].By != ann {
		t.Errorf("run %d's sign-offs after run %d: %v %+v", pre, pre2, err, detail)
	}
	_, home := s.call(ann, "GET", portalURL, "")
	if !strings.Contains(string(home), fmt.Sprintf("runs/%d/signoff", pre2)) || strings.Contains(string(home), "Signed off by") {
		t.Errorf("the portal after run %d still shows the void sign-off", pre2)
	}

	// No secret, no internal note, no server path on any customer page,
	// nor in what the API answers the customer.
	pages := []string{"/", portalURL, portalURL + "/format", portalURL + "/format/format.html", portalURL + "/format/format.md",
		"/api/v1/migrations", portalAPI, portalAPI + "/plan", portalAPI + "/runs", portalAPI + "/deliveries"}
	for _, n := range []int{check, dev, pre, pre2} {
		pages = append(pages, fmt.Sprintf("%s/runs/%d", portalURL, n), fmt.Sprintf("%s/runs/%d", portalAPI, n))
		for _, e := range []string{"structures", "contacts", "sales"} {
			pages = append(pages, fmt.Sprintf("%s/runs/%d?entity=%s", portalURL, n, e))
		}
	}
	for _, path := range pages {
		code, body := s.call(ann, "GET", path, "")
		if code != http.StatusOK && code != http.StatusSeeOther {
			t.Errorf("ann GET %s: %d", path, code)
		}
		for _, secret := range []string{portalDBPassword, "db.internal.example", portalHookSecret, portalHookToken, portalInternalNote, "sqlite://", "postgres://", s.dir} {
			if strings.Contains(string(body), secret) {
				t.Errorf("ann GET %s shows %q", path, secret)
			}
		}
	}
}
