package local

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// chromium finds the browser, or skips (fails under
// HANDOVER_TEST_DISALLOW_SKIP=1).
func chromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "Chromium not found (apt-get install -y chromium): skipping the browser tests"
	if os.Getenv("HANDOVER_TEST_DISALLOW_SKIP") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// screens is where the screenshots go: $HANDOVER_TEST_ARTIFACTS/screens,
// else a directory under the system's temporary directory.
func screens(t *testing.T) string {
	dir := os.Getenv("HANDOVER_TEST_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "handover-test-artifacts")
	}
	dir = filepath.Join(dir, "screens")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserSession drives one headless Chromium against the story's server.
type browserSession struct {
	t      *testing.T
	ctx    context.Context
	base   string
	shots  string
	nshots int
}

func newBrowser(t *testing.T, s *story) *browserSession {
	exe := chromium(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel2 := chromedp.NewContext(actx)
	t.Cleanup(cancel2)
	if err := chromedp.Do(ctx); err != nil { // starts the browser under ctx, which has no timeout
		t.Fatalf("start %s: %v", exe, err)
	}
	// localhost, not 127.0.0.1: browsers accept a Secure (__Host-) cookie
	// over plain http only there.
	port := ln.Addr().(*net.TCPAddr).Port
	return &browserSession{t: t, ctx: ctx, base: fmt.Sprintf("http://localhost:%d", port), shots: screens(t)}
}

func (b *browserSession) run(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.fail(what, err)
	}
}

func (b *browserSession) fail(what string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	b.t.Fatalf("%s: %v\nat %s:\n%.2000s", what, err, loc, body)
}

// shot saves a full-page screenshot named after the screen.
func (b *browserSession) shot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.fail("screenshot "+name, err)
	}
	b.nshots++
	path := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.nshots, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func (b *browserSession) login(email string) {
	b.t.Helper()
	b.run("open the login screen", chromedp.Navigate(b.base+"/login"))
	b.fillLogin(email)
}

// fillLogin logs in on the login screen already shown.
func (b *browserSession) fillLogin(email string) {
	b.t.Helper()
	b.run("log in as "+email,
		chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`input[name=password]`), storyPassword),
		chromedp.Click(chromedp.CSS(`section.login button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`header .who`)))
}

func (b *browserSession) logout() {
	b.t.Helper()
	b.run("log out", chromedp.Click(chromedp.CSS(`header form button`)), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
}

// startFromMigration clicks a start button on the migration screen and
// waits on the run screen until the run has finished (live progress
// reloads the page).
func (b *browserSession) startFromMigration(button string) string {
	b.t.Helper()
	b.run("start "+button,
		chromedp.Navigate(b.base+"/m/acme-onboarding"),
		chromedp.WaitVisible(chromedp.CSS(`.lanes`)),
		chromedp.Click(fmt.Sprintf(`//button[normalize-space()=%q]`, button)),
		chromedp.WaitVisible(chromedp.CSS(`h1 #status`)),
		chromedp.WaitVisible(`//h2[starts-with(normalize-space(), "Sign-offs")]`))
	loc, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.fail("location", err)
	}
	return loc
}

func (b *browserSession) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.fail("read "+sel, err)
	}
	return s
}

// TestBrowserStory logs in and walks the example project's story in a real
// Chromium: check → dev import → gate → reviewer sign-off → preprod →
// customer sign-off → prod; it downloads the rejects workbook and saves a
// screenshot of each screen.
func TestBrowserStory(t *testing.T) {
	s := newStory(t)
	b := newBrowser(t, s)
	t.Logf("screenshots in %s", b.shots)

	b.run("login screen", chromedp.Navigate(b.base+"/m/acme-onboarding"), chromedp.WaitVisible(chromedp.CSS(`input[name=email]`)))
	b.shot("login")
	b.fillLogin("eva@vendor.example")
	if !strings.Contains(b.text("h1"), "acme-onboarding") {
		t.Errorf("login did not return to the page asked for: %q", b.text("h1"))
	}
	b.run("migrations", chromedp.Navigate(b.base+"/"), chromedp.WaitVisible(chromedp.CSS(`table.migrations`)))
	b.shot("migrations")

	check := b.startFromMigration("Run a check")
	if st := b.text("h1 #status"); st != "succeeded" {
		t.Fatalf("check: %s at %s", st, check)
	}
	dev := b.startFromMigration("Import into dev")
	if st := b.text("h1 #status"); st != "succeeded" {
		t.Fatalf("dev import: %s", st)
	}
	b.shot("run")
	b.run("filter rejects", chromedp.Navigate(dev+"?entity=contacts&field=email"), chromedp.WaitVisible(chromedp.CSS(`table.rejects`)))
	if got := b.text("table.rejects tbody"); !strings.Contains(got, "e-mail") {
		t.Errorf("rejects filtered by field email show %.200q", got)
	}
	b.shot("run-rejects-filtered")

	// The workbook of the rejects, downloaded by the browser.
	dl := t.TempDir()
	if _, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dl}); err != nil {
		t.Fatal(err)
	}
	b.run("download xlsx",
		chromedp.Navigate(dev),
		chromedp.WaitVisible(chromedp.CSS(`#xlsx-contacts`)),
		chromedp.Click(chromedp.CSS(`#xlsx-contacts`)))
	xlsx := waitFile(t, dl, ".xlsx")
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	if len(rows) < 2 || rows[0][0] != "line" {
		t.Errorf("downloaded workbook: %d rows, header %v", len(rows), rows[:min(1, len(rows))])
	}

	// Preprod is refused until the reviewer signed dev.
	b.run("refused preprod",
		chromedp.Navigate(b.base+"/m/acme-onboarding"),
		chromedp.Click(`//button[normalize-space()="Import into preprod"]`),
		chromedp.WaitVisible(chromedp.CSS(`p.error`)))
	if got := b.text("p.error"); !strings.Contains(got, "needs a sign-off by reviewer") {
		t.Errorf("refusal says %q", got)
	}
	b.shot("refused")
	b.logout()

	b.login("rita@vendor.example")
	b.run("sign-off form", chromedp.Navigate(dev+"/signoff"), chromedp.WaitVisible(chromedp.CSS(`#approve`)))
	b.shot("signoff")
	b.run("sign off", chromedp.SendKeys(chromedp.CSS(`textarea[name=note]`), "gate passed, <b>ok</b>"),
		chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	if got := b.text("ul.signoffs"); !strings.Contains(got, "reviewer: signed by rita@vendor.example") || !strings.Contains(got, "<b>ok</b>") {
		t.Errorf("sign-offs show %q", got)
	}
	b.logout()

	b.login("eva@vendor.example")
	pre := b.startFromMigration("Import into preprod")
	if st := b.text("h1 #status"); st != "succeeded" {
		t.Fatalf("preprod import: %s", st)
	}
	b.logout()

	b.login("ann@acme.example")
	b.run("customer sign-off", chromedp.Navigate(pre+"/signoff"), chromedp.WaitVisible(chromedp.CSS(`#approve`)),
		chromedp.Click(chromedp.CSS(`#approve`)), chromedp.WaitVisible(chromedp.CSS(`p.flash`)))
	b.run("customer's migration", chromedp.Navigate(b.base+"/m/acme-onboarding"), chromedp.WaitVisible(chromedp.CSS(`.hero`)))
	if n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll('form[action$="/runs"], a[href$="/audit"]').length`)); err != nil || n != 0 {
		t.Errorf("the customer is offered %d engineer actions or audit links (%v)", n, err)
	}
	b.shot("migration-customer")
	b.logout()

	b.login("eva@vendor.example")
	b.startFromMigration("Import into prod")
	if st := b.text("h1 #status"); st != "succeeded" {
		t.Fatalf("prod import: %s", st)
	}
	b.run("migration", chromedp.Navigate(b.base+"/m/acme-onboarding"), chromedp.WaitVisible(chromedp.CSS(`.lanes`)))
	if got := b.text(".lanes"); strings.Contains(got, "missing") || strings.Count(got, "succeeded") != 3 {
		t.Errorf("lanes after prod: %q", got)
	}
	b.shot("migration")
	b.run("audit", chromedp.Navigate(b.base+"/m/acme-onboarding/audit"), chromedp.WaitVisible(chromedp.CSS(`table.grid`)))
	if got := b.text("body"); !strings.Contains(got, "chain verified") || !strings.Contains(got, "ann@acme.example") {
		t.Errorf("audit screen: %.300q", got)
	}
	b.shot("audit")
}

// waitFile waits for a finished download with the suffix in dir.
func waitFile(t *testing.T, dir, suffix string) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), suffix) {
				return filepath.Join(dir, e.Name())
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("no %s downloaded into %s", suffix, dir)
	return ""
}
