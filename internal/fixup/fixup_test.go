package fixup

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project/conf"
)

func testFormat() *format.Format {
	return &format.Format{Entities: []*format.Entity{
		{Name: "contacts", Key: "external_id", Fields: []*format.Field{
			{Name: "external_id", Type: format.String},
			{Name: "description", Type: format.String},
			{Name: "note", Type: format.String, MaxLength: 30},
			{Name: "attachment_path", Type: format.String},
			{Name: "code", Type: format.String, Pattern: `[A-Z]+-[0-9]+`},
			{Name: "email", Type: format.Email},
		}},
		{Name: "structures", Key: "external_id", Fields: []*format.Field{
			{Name: "external_id", Type: format.String},
		}},
	}}
}

// parse reads a handover.yaml-style fixups: list and compiles it.
func parse(t *testing.T, yamlText string, inHandover bool) ([]*Rule, *conf.Errors) {
	t.Helper()
	errs := &conf.Errors{}
	d := &conf.Doc{File: "handover.yaml", Errs: errs}
	root := d.Parse([]byte(yamlText))
	var specs []Spec
	d.Map(root, "", conf.Keys{"fixups": func(v *yaml.Node) { specs = ParseSpecs(d, v, inHandover) }})
	if !inHandover {
		for i := range specs {
			specs[i].On = "contacts"
		}
	}
	rules := Compile(specs, testFormat(), errs)
	errs.Sort()
	return rules, errs
}

func mustRules(t *testing.T, yamlText string) []*Rule {
	t.Helper()
	rules, errs := parse(t, yamlText, true)
	if errs.Len() > 0 {
		t.Fatalf("unexpected problems:\n%v", errs)
	}
	return rules
}

func TestCompileProblems(t *testing.T) {
	cases := []struct {
		name, yaml string
		recipe     bool
		want       []string // substrings, one per problem, in order
	}{
		{"bad regexp", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+'\n    replace: x\n",
			false, []string{"handover.yaml:4: fixup match: missing closing )"}},
		{"unknown field with suggestion", "fixups:\n  - on: contacts\n    field: descripton\n    match: a\n    replace: b\n",
			false, []string{`handover.yaml:3: fixup field: contacts has no field "descripton" (did you mean "description"?)`}},
		{"unknown on entity", "fixups:\n  - on: contact\n    field: description\n    match: a\n    replace: b\n",
			false, []string{`handover.yaml:2: fixup on: entity "contact" is not in the format (did you mean "contacts"?)`}},
		{"unknown lookup entity", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    entity: nobody\n    replace: '{id}'\n",
			false, []string{`handover.yaml:5: fixup entity: entity "nobody" is not in the format`}},
		{"non-text field", "fixups:\n  - on: contacts\n    field: email\n    match: a\n    replace: b\n",
			false, []string{"handover.yaml:3: fixup field: contacts.email is email; fix-ups rewrite text fields (type string) only"}},
		{"the key", "fixups:\n  - on: contacts\n    field: external_id\n    match: a\n    replace: b\n",
			false, []string{"handover.yaml:3: fixup field: external_id is the key of contacts"}},
		{"id without entity", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    replace: 'x/{id}'\n",
			false, []string{"handover.yaml:5: fixup replace: {id} needs entity:"}},
		{"key without entity", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    replace: 'x/{key}'\n",
			false, []string{"handover.yaml:5: fixup replace: {key} needs entity:"}},
		{"capture it does not have", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    replace: 'x/{2}'\n",
			false, []string{"handover.yaml:5: fixup replace: {2}: the match has only 1 capture group"}},
		{"capture beyond 9", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    replace: 'x/{12}'\n",
			false, []string{"handover.yaml:5: fixup replace: {12}: captures go from {1} to {9}"}},
		{"entity without group", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=\\d+'\n    entity: contacts\n    replace: 'x/{id}'\n",
			false, []string{"handover.yaml:4: fixup match \"id=\\\\d+\" has no capture group"}},
		{"rewritten text matches again", "fixups:\n  - on: contacts\n    field: description\n    match: 'id=(\\d+)'\n    entity: contacts\n    replace: 'id={id}'\n",
			false, []string{`handover.yaml:6: fixup replace: the rewritten text "id=1" matches "id=(\\d+)" again`}},
		{"unknown key", "fixups:\n  - on: contacts\n    field: description\n    match: a\n    replace: b\n    replce: c\n",
			false, []string{`handover.yaml:6: unknown key "replce" in fixups[1] (did you mean "replace"?)`}},
		{"missing keys", "fixups:\n  - name: x\n",
			false, []string{"handover.yaml:2: fixups[1]: replace missing", "handover.yaml:2: fixup on missing", "handover.yaml:2: fixup match missing"}},
		{"duplicate name", "fixups:\n  - {name: a, on: contacts, field: description, match: x, replace: y}\n  - {name: a, on: contacts, field: note, match: x, replace: y}\n",
			false, []string{`handover.yaml:3: fix-up name "a" is already used (handover.yaml:2)`}},
		{"on in a recipe", "fixups:\n  - on: contacts\n    field: description\n    match: a\n    replace: b\n",
			true, []string{"handover.yaml:2: fixups[1].on: a recipe's fix-ups rewrite the recipe's own entity"}},
		{"not a list", "fixups: {field: x}\n", false, []string{"handover.yaml:1: fixups: expected a list"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, errs := parse(t, c.yaml, !c.recipe)
			if errs.Len() != len(c.want) {
				t.Fatalf("got %d problems, want %d:\n%v", errs.Len(), len(c.want), errs)
			}
			for i, w := range c.want {
				if got := errs.Problems[i].String(); !strings.Contains(got, w) {
					t.Errorf("problem %d = %q, want it to contain %q", i, got, w)
				}
			}
		})
	}
}

func TestDefaultNamesAndGroups(t *testing.T) {
	rules := mustRules(t, `fixups:
  - {on: contacts, field: description, match: 'a(\d)', replace: 'b{1}'}
  - {on: contacts, field: note, match: x, replace: y}
  - {on: contacts, field: description, match: 'c', replace: 'd', name: custom}
  - {on: contacts, field: description, match: 'e', replace: 'f'}
`)
	var names []string
	for _, r := range rules {
		names = append(names, r.Name)
	}
	want := []string{"contacts.description#1", "contacts.note#1", "custom", "contacts.description#3"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	gs := Groups(rules)
	if len(gs) != 2 || gs[0].Field != "description" || len(gs[0].Rules) != 3 || gs[1].Field != "note" {
		t.Errorf("groups %+v", gs)
	}
	if Hash(rules) == Hash(rules[:3]) || Hash(nil) != "" {
		t.Error("the hash does not tell rule lists apart")
	}
}

func TestTemplate(t *testing.T) {
	cases := []struct {
		tmpl   string
		groups []string
		id     int64
		want   string
	}{
		{"https://app/contacts/{id}", []string{"m", "4711"}, 17, "https://app/contacts/17"},
		{"{key}->{id} [{0}]", []string{"id=9", "9"}, 3, "9->3 [id=9]"},
		{"files/{1}", []string{"x", "a\\b.pdf"}, 0, "files/a\\b.pdf"},
		{"{x} {ids} {} {", []string{"m", "k"}, 1, "{x} {ids} {} {"},
		{"{1}{1}", []string{"m", ""}, 0, ""},
	}
	for _, c := range cases {
		tmpl, problems := parseTemplate(c.tmpl, 1, true)
		if len(problems) > 0 {
			t.Fatalf("%q: %v", c.tmpl, problems)
		}
		if got := render(tmpl, c.groups, c.id, c.groups[1]); got != c.want {
			t.Errorf("render(%q) = %q, want %q", c.tmpl, got, c.want)
		}
	}
}

// mapResolver resolves from fixed maps and records what it was asked.
type mapResolver struct {
	ids   map[string]map[string]int64
	asked [][]string
}

func (m *mapResolver) resolve(_ context.Context, entity string, keys []string) (map[string]int64, error) {
	m.asked = append(m.asked, append([]string{entity}, keys...))
	out := map[string]int64{}
	for _, k := range keys {
		if id, ok := m.ids[entity][k]; ok {
			out[k] = id
		}
	}
	return out, nil
}

const linkRules = `fixups:
  - on: contacts
    field: description
    match: 'https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)'
    entity: contacts
    replace: 'https://app.example.com/contacts/{id}'
  - on: contacts
    field: attachment_path
    match: '^\\\\oldfs\\docs\\(.+)$'
    replace: 'files/{1}'
  - on: contacts
    field: note
    match: 'see (S\d+)'
    entity: structures
    replace: 'see structure {id} (was {key})'
`

func TestFixerRewrites(t *testing.T) {
	rules := mustRules(t, linkRules)
	res := &mapResolver{ids: map[string]map[string]int64{
		"contacts": {"4711": 17, "4712": 18}, "structures": {"S1": 5, "S22": 12345678},
	}}
	old := "https://crm.old-vendor.example/contact.aspx?id="
	cases := []struct {
		group      int
		in, want   string
		unresolved []string // "text: reason"
	}{
		{0, `<p>See <a href="` + old + `4711">Anna</a> and <a href='` + old + `4712'>Ben</a>, not <a href="` + old + `999">gone</a>.</p>`,
			`<p>See <a href="https://app.example.com/contacts/17">Anna</a> and <a href='https://app.example.com/contacts/18'>Ben</a>, not <a href="` + old + `999">gone</a>.</p>`,
			[]string{old + `999: no contacts row has the key "999"`}},
		{0, "no link here", "no link here", nil},
		{0, "https://app.example.com/contacts/17", "https://app.example.com/contacts/17", nil},
		{1, `\\oldfs\docs\2019\offer.pdf`, `files/2019\offer.pdf`, nil},
		{1, `see \\oldfs\docs\x.pdf`, `see \\oldfs\docs\x.pdf`, nil},
		{2, "see S1", "see structure 5 (was S1)", nil},
		{2, "see S22", "see S22", []string{"see S22: the rewritten text would be 32 characters, longer than max_length 30"}},
	}
	gs := Groups(rules)
	for _, c := range cases {
		var got []string
		f := gs[c.group].NewFixer(res.resolve, func(u Unresolved) error {
			if u.Key != "C9" || u.Entity != "contacts" || u.Field != gs[c.group].Field {
				t.Errorf("unresolved %+v: wrong row", u)
			}
			got = append(got, u.Text+": "+u.Reason)
			return nil
		})
		rows := []Row{{ID: 9, Key: "C9", Text: c.in}}
		changed, err := f.Chunk(context.Background(), rows)
		if err != nil {
			t.Fatal(err)
		}
		out := rows[0].Text
		if out != c.want {
			t.Errorf("%q\n  → %q\n want %q", c.in, out, c.want)
		}
		if (len(changed) == 1) != (c.in != c.want) {
			t.Errorf("%q: %d rows reported changed", c.in, len(changed))
		}
		if !reflect.DeepEqual(got, c.unresolved) {
			t.Errorf("%q: unresolved %q, want %q", c.in, got, c.unresolved)
		}
		cnt := f.Counts()[0]
		if cnt.Matches != cnt.Rewritten+cnt.Unresolved || cnt.Unresolved != int64(len(c.unresolved)) {
			t.Errorf("%q: counts %+v", c.in, cnt)
		}
	}
}

func TestFixerIsIdempotentAndBatchesLookups(t *testing.T) {
	rules := mustRules(t, linkRules)
	res := &mapResolver{ids: map[string]map[string]int64{"contacts": {}}}
	for i := range 100 {
		res.ids["contacts"][fmt.Sprint(i)] = int64(1000 + i)
	}
	g := Groups(rules)[0]
	var rows []Row
	for i := range 120 { // 100 resolvable, 20 not; every key twice
		rows = append(rows, Row{ID: int64(i), Key: fmt.Sprint("C", i),
			Text: fmt.Sprintf("a https://crm.old-vendor.example/contact.aspx?id=%d b https://crm.old-vendor.example/contact.aspx?id=%d", i, i)})
	}
	f := g.NewFixer(res.resolve, nil)
	changed, err := f.Chunk(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if len(changed) != 100 || len(res.asked) != 1 || len(res.asked[0]) != 121 {
		t.Fatalf("%d changed, lookups %d (first asks %d keys), want 100, 1, 121", len(changed), len(res.asked), len(res.asked[0])-1)
	}
	c := f.Counts()[0]
	if c.Matches != 240 || c.Rewritten != 200 || c.Unresolved != 40 || c.Rows != 100 || c.Again != "" {
		t.Errorf("counts %+v", c)
	}
	// The second pass over the rewritten rows: nothing matches but the
	// unresolved links, whose 20 keys are asked once more.
	f2 := g.NewFixer(res.resolve, nil)
	changed, err = f2.Chunk(context.Background(), rows)
	if err != nil {
		t.Fatal(err)
	}
	if c := f2.Counts()[0]; len(changed) != 0 || c.Rewritten != 0 || c.Matches != 40 || len(res.asked) != 2 || len(res.asked[1]) != 21 {
		t.Errorf("second pass: %d changed, counts %+v, asked %v", len(changed), c, res.asked[1:])
	}
}

func TestFixerNotesWhatMatchesAgain(t *testing.T) {
	rules := mustRules(t, "fixups:\n  - {on: contacts, field: description, match: 'old(\\w+)', replace: 'new {0}'}\n")
	f := Groups(rules)[0].NewFixer(nil, nil)
	rows := []Row{{ID: 1, Text: "oldfoo"}}
	if _, err := f.Chunk(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	if rows[0].Text != "new oldfoo" || f.Counts()[0].Again != "new oldfoo" {
		t.Errorf("text %q, again %q", rows[0].Text, f.Counts()[0].Again)
	}
}

func TestRequiredLiteral(t *testing.T) {
	cases := map[string]string{
		`https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`: "https://crm.old-vendor.example/contact.aspx?id=",
		`^\\\\oldfs\\docs\\(.+)$`:                                  `\\oldfs\docs\`,
		`(?i)abc`:                                                  "",
		`a|b`:                                                      "",
		`x(foo)+y`:                                                 "foo",
		`(?:ab)?c`:                                                 "c",
	}
	for in, want := range cases {
		if got := requiredLiteral(in); got != want {
			t.Errorf("requiredLiteral(%q) = %q, want %q", in, got, want)
		}
	}
}

// BenchmarkChunk is the text work of a pass: 100,000 HTML notes, each with
// one link to resolve, in chunks of 4096.
func BenchmarkChunk(b *testing.B) {
	rules := mustRules(&testing.T{}, linkRules)
	g := Groups(rules)[0]
	ids := map[string]int64{}
	var texts []string
	for i := range 100_000 {
		ids[fmt.Sprint(i)] = int64(i + 1)
		texts = append(texts, fmt.Sprintf("<p>Contact: <a href='https://crm.old-vendor.example/contact.aspx?id=%d'>see here</a>. Called on %d.%d., wants an offer.</p>",
			(i*7919+13)%100_000, i%28+1, i%12+1))
	}
	res := func(context.Context, string, []string) (map[string]int64, error) { return ids, nil }
	rows := make([]Row, 0, 4096)
	b.ResetTimer()
	for range b.N {
		f := g.NewFixer(res, nil)
		for c := 0; c < len(texts); c += 4096 {
			rows = rows[:0]
			for i := c; i < min(c+4096, len(texts)); i++ {
				rows = append(rows, Row{ID: int64(i), Text: texts[i]})
			}
			if _, err := f.Chunk(context.Background(), rows); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(texts)), "ns/row")
}
