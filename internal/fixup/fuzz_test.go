package fixup

import (
	"context"
	"regexp"
	"strings"
	"testing"
)

// FuzzFixerIdempotent: whatever the text, a pass counts every match as
// rewritten or unresolved, and a second pass over its output rewrites
// nothing.
func FuzzFixerIdempotent(f *testing.F) {
	for _, s := range []string{
		"", "see https://crm.old-vendor.example/contact.aspx?id=4711",
		`<a href="https://crm.old-vendor.example/contact.aspx?id=1">x</a><a href="https://crm.old-vendor.example/contact.aspx?id=99">`,
		"https://crm.old-vendor.example/contact.aspx?id=https://crm.old-vendor.example/contact.aspx?id=2",
		"\\\\oldfs\\docs\\a", "see S1 see S1", "ü\x00\xff",
	} {
		f.Add(s)
	}
	rules := mustRules(&testing.T{}, linkRules)
	res := (&mapResolver{ids: map[string]map[string]int64{
		"contacts": {"1": 10, "2": 20, "4711": 4711}, "structures": {"S1": 1},
	}}).resolve
	f.Fuzz(func(t *testing.T, text string) {
		for _, g := range Groups(rules) {
			rows := []Row{{ID: 1, Key: "k", Text: text}}
			fx := g.NewFixer(res, nil)
			if _, err := fx.Chunk(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			for _, c := range fx.Counts() {
				if c.Matches != c.Rewritten+c.Unresolved || c.Rows > 1 {
					t.Fatalf("%q: counts %+v", text, c)
				}
			}
			again := g.NewFixer(res, nil)
			out := rows[0].Text
			if _, err := again.Chunk(context.Background(), rows); err != nil {
				t.Fatal(err)
			}
			if rows[0].Text != out {
				t.Fatalf("second pass over %q changed %q to %q", text, out, rows[0].Text)
			}
		}
	})
}

// FuzzTemplateAndPattern: any replace template parses without a panic and
// renders its literal text; any pattern Go accepts either translates or
// is refused.
func FuzzTemplateAndPattern(f *testing.F) {
	for _, s := range []string{"{id}", "x{1}y{0}", "{{}}{", "{12}", `(?i)a+\b[^x]{2,300}$`, `\pL|\x{10FFFF}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tmpl, problems := parseTemplate(s, 9, true)
		if len(problems) == 0 && !strings.ContainsAny(s, "{}") && render(tmpl, nil, 0, "") != s {
			t.Fatalf("literal template %q renders differently", s)
		}
		if _, err := regexp.Compile(s); err == nil {
			postgresPattern(s)
		}
	})
}
