package server

import (
	"regexp"
	"strings"
	"testing"
)

// TestRunScreenProfileCharts: the run screen draws the column profile as
// inline SVG — a fill-rate bar per column scaled to its share, the most
// frequent values as bars — every value escaped, no script and no style
// attribute (the CSP default-src 'self' holds).
func TestRunScreenProfileCharts(t *testing.T) {
	e := newEnv(t)
	eva := e.login("eva@vendor.example")
	res := e.do(eva, "GET", "/m/acme/runs/1", "", nil)
	body := readAll(res)
	if res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Fatalf("run screen: %d, CSP %q", res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
	i := strings.Index(body, "<h2>Column profile</h2>")
	j := strings.Index(body, "<h2>Rejected rows</h2>")
	if i < 0 || j < i {
		t.Fatalf("no column profile section:\n%s", body)
	}
	section := body[i:j]
	for _, want := range []string{
		`<svg class="chart fill-rate" viewBox="0 0 650.0 36.0"`,
		// EMail: 3 of 4 filled → 300 of 400 units; Name: all → 400.
		`<title>EMail: 75.0 % filled</title>`, `width="300.0" height="12"></rect><text class="value" x="486.0" y="13.0">75.0 %</text>`,
		`<title>Name: 100.0 % filled</title>`, `width="400.0" height="12">`,
		`<svg class="chart top-values"`,
		// The script value: 2 of 4 rows → 80 of 160 units, shown as text.
		// (the label cut to 24 characters, the title whole).
		`<title>&lt;script&gt;alert(2)&lt;/script&gt;: 2 rows</title>`,
		`&lt;script&gt;alert(2)&lt;/scrip…</text><rect class="bar" x="150.0" y="3.0" width="80.0" height="10"></rect><text class="value" x="236.0" y="12.0">2</text>`,
		`<td class="num">&gt;20000</td>`, `<span class="muted">no values</span>`, `<td>a … z</td>`,
	} {
		if !strings.Contains(section, want) {
			t.Errorf("profile lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>alert(2)") {
		t.Error("a profiled value is rendered unescaped")
	}
	if regexp.MustCompile(`(?i)\sstyle=|<script>|\son[a-z]+=`).MatchString(section) {
		t.Error("the charts use a style attribute, a script or an event handler: the CSP would block them")
	}
}
