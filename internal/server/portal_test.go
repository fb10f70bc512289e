package server

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// A customer is sent from the team's screens to the portal of their
// migration; another migration stays a 404; the team keeps its screens.
func TestPortalSendsCustomersHome(t *testing.T) {
	e := newEnv(t)
	ann, eva := e.login("ann@acme.example"), e.login("eva@vendor.example")
	for path, want := range map[string]string{
		"/":                                 "/portal/acme",
		"/m/acme":                           "/portal/acme",
		"/m/acme/runs/1?entity=contacts":    "/portal/acme/runs/1?entity=contacts",
		"/m/acme/runs/1?flash=signed+by+me": "/portal/acme/runs/1?flash=signed+by+me",
	} {
		res := e.do(ann, "GET", path, "", nil)
		res.Body.Close()
		if res.StatusCode != 303 || res.Header.Get("Location") != want {
			t.Errorf("ann GET %s: %d → %q, want %q", path, res.StatusCode, res.Header.Get("Location"), want)
		}
	}
	for _, path := range []string{"/m/beta", "/m/beta/runs/1", "/portal/beta", "/portal/beta/runs/1", "/portal/beta/format", "/portal/beta/template.xlsx"} {
		if code, _ := e.status(ann, "GET", path, ""); code != 404 {
			t.Errorf("ann GET %s: %d, want 404", path, code)
		}
	}
	if code, body := e.status(eva, "GET", "/m/acme", ""); code != 200 || strings.Contains(body, "hero") {
		t.Errorf("eva GET /m/acme: %d", code)
	}
	// The team may look at the portal as the customer sees it.
	if code, body := e.status(eva, "GET", "/portal/acme", ""); code != 200 || !strings.Contains(body, "as the customer sees it") {
		t.Errorf("eva GET /portal/acme: %d %.200s", code, body)
	}
}

// The result screen escapes the customer's values and words the rules.
func TestPortalRunScreen(t *testing.T) {
	e := newEnv(t)
	code, body := e.status(e.login("ann@acme.example"), "GET", "/portal/acme/runs/1", "")
	if code != 200 {
		t.Fatalf("GET /portal/acme/runs/1: %d %s", code, body)
	}
	for _, want := range []string{"Import of delivery 1 into dev", `data-rule="email/email"`, "&lt;script&gt;alert(1)&lt;/script&gt;", `id="xlsx-contacts"`} {
		if !strings.Contains(body, want) {
			t.Errorf("result screen lacks %s", want)
		}
	}
	if strings.Contains(body, "<script>alert") {
		t.Error("a value is rendered unescaped")
	}
}

func TestProblemsOf(t *testing.T) {
	cols := []string{"ID", "EMail", "Notiz"}
	for _, c := range []struct {
		name string
		row  RejectRow
		want []problem
	}{
		{"one problem per rule",
			RejectRow{Line: 7, Errors: `email: "x" is not a valid e-mail address | the row has 2 fields, the header has 3`, Rules: []string{"email/email", "columns"},
				Fields: []string{"EMail"}, Values: []string{"1", "x", "n"}},
			[]problem{{7, "email", "email", `email: "x" is not a valid e-mail address`, []cell{{"EMail", "x"}}},
				{7, "", "columns", "the row has 2 fields, the header has 3", []cell{{"EMail", "x"}}}}},
		{"a value holding the separator",
			RejectRow{Line: 8, Errors: `email: "a | b" is not a valid e-mail address | id: is required`, Rules: []string{"email/email", "id/required"}},
			[]problem{{8, "email", "email", `email: "a | b" is not a valid e-mail address`, nil}, {8, "id", "required", "id: is required", nil}}},
		{"rejects written before the rules were kept",
			RejectRow{Line: 9, Errors: `email: bad | id: is required`},
			[]problem{{9, "email", "", "email: bad", nil}, {9, "id", "", "id: is required", nil}}},
		{"a pattern without a hint",
			RejectRow{Line: 10, Errors: `uid: "X" does not have the required form (CHE-[0-9]{3})`, Rules: []string{"uid/pattern"}},
			[]problem{{10, "uid", "pattern", `uid: "X" does not have the required form`, nil}}},
	} {
		if got := problemsOf(c.row, cols); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", c.name, got, c.want)
		}
	}
}

func TestValidationOpens(t *testing.T) {
	due := time.Date(2026, 12, 13, 0, 0, 0, 0, time.UTC)
	st := &Step{ID: stepValidation, Due: due, Relative: "J-2"}
	for _, c := range []struct {
		st   *Step
		now  time.Time
		open bool
	}{
		{st, due.Add(-time.Second), false},
		{st, due, true},
		{st, due.Add(36 * time.Hour), true},
		{nil, due.Add(-48 * time.Hour), true}, // no runbook step: no date
	} {
		if got := validationOpen(c.st, c.now); got != c.open {
			t.Errorf("validationOpen at %s: %v", c.now, got)
		}
	}
	ov := &Overview{Lanes: []Lane{{Env: "dev", Needed: []string{"reviewer"}}, {Env: "preprod", Needed: []string{"customer"}}}}
	if l := customerLane(ov); l == nil || l.Env != "preprod" {
		t.Errorf("customer lane: %+v", l)
	}
}
