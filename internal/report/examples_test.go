package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/handover/handover/internal/protocol"
)

func TestRulesLinkToTheirExample(t *testing.T) {
	p := &protocol.Protocol{Run: 4, Kind: "check", Entities: []*protocol.Entity{{Name: "contacts", Read: 3, Rejected: 2, Valid: 1,
		RejectsByRule: map[string]int{"birth_date/date": 1, "email/unique": 1}}}}
	d := &Data{Protocol: p, Entities: []EntityData{{Name: "contacts", RuleExamples: []RuleExample{{
		Rule: "birth_date/date", Line: 77, Message: `birth_date: "31.02.1980" is not a valid date`,
		Fields:  []ExampleField{{Name: "birth_date", Expression: `date(Geburtsdatum, "DD.MM.YYYY")`, Steps: []string{`date("31.02.1980", "DD.MM.YYYY") ✗ …`}}},
		Command: "handover explain 4 --entity contacts --line 77",
	}}}}}
	var buf bytes.Buffer
	if err := WriteHTML(&buf, d); err != nil {
		t.Fatal(err)
	}
	html := buf.String()
	for _, want := range []string{`<a href="#ex-contacts-1">`, `id="ex-contacts-1"`, "line 77", "handover explain 4 --entity contacts --line 77",
		`<code>date(&#34;31.02.1980&#34;, &#34;DD.MM.YYYY&#34;) ✗ …</code>`} {
		if !strings.Contains(html, want) {
			t.Errorf("report lacks %s", want)
		}
	}
	if strings.Count(html, `<a href="#ex-`) != 1 {
		t.Errorf("a rule without an example got a link")
	}
}
