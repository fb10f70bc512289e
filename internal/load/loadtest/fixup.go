package loadtest

import (
	"fmt"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
	"github.com/handover/handover/internal/project/conf"
)

func RunFixups(t *testing.T, h Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, e *fixEnv)
	}{
		{"links to rows of the same run, several in one field", testFixupSameRun},
		{"link to a row of an earlier run", testFixupEarlierRun},
		{"unresolved link is left and reported", testFixupUnresolved},
		{"a link becomes resolvable in a later import", testFixupBecomesResolvable},
		{"a second run rewrites nothing", testFixupIdempotent},
		{"a changed row is rewritten again", testFixupChangedRow},
		{"rollback keeps the old text", testFixupRollback},
		{"too long for the field", testFixupTooLong},
		{"many rows and keys", testFixupMany},
		{"rules without a literal, LIKE wildcards in one", testFixupPrefilters},
	}
	// Each case runs with the rules told before the loads (the loads
	// rewrite what they can as they write the rows) and without (the pass
	// after the loads does everything): the results must be the same.
	for _, mode := range []string{"at insert", "pass only"} {
		for _, c := range cases {
			t.Run(mode+"/"+c.name, func(t *testing.T) {
				dsn := h.Fresh(t)
				c.run(t, &fixEnv{t: t, h: h, dsn: dsn, ins: h.Inspect(t, dsn), f: fixupFormat(), rules: fixupRules(t),
					inline: mode == "at insert"})
			})
		}
	}
	t.Run("at insert equals pass only, random links", func(t *testing.T) { testFixupInlineEqualsPass(t, h) })
}

// RunFixupsRandom is RunFixups' comparison of fix-ups at insert time with
// the pass alone on random links, for a backend run with other settings
// (PostgreSQL's direct path with small chunks, so that rows wait for keys
// of later chunks).
func RunFixupsRandom(t *testing.T, h Harness) { testFixupInlineEqualsPass(t, h) }

func fixupFormat() *format.Format {
	structures := &format.Entity{Name: "structures", Table: "structures", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "name", Column: "name", Type: format.String},
	}}
	contacts := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String},
		{Name: "description", Column: "descr", Type: format.String},
		{Name: "attachment", Column: "attachment", Type: format.String},
		{Name: "short", Column: "short", Type: format.String, MaxLength: 12},
		{Name: "structure", Column: "structure_id", Type: format.Ref, Entity: "structures"},
	}}
	return &format.Format{Entities: []*format.Entity{structures, contacts}}
}

const oldLink = "https://crm.old-vendor.example/contact.aspx?id="

func fixupRules(t *testing.T) []*fixup.Rule {
	t.Helper()
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{
		{On: "contacts", Field: "description", Match: `https://crm\.old-vendor\.example/contact\.aspx\?id=(\d+)`,
			Entity: "contacts", Replace: "https://app.example.com/contacts/{id}", Name: "contact-links"},
		{On: "contacts", Field: "description", Match: `structure (S\d+)`, Entity: "structures", Replace: "structure #{id}"},
		{On: "contacts", Field: "attachment", Match: `^\\\\oldfs\\docs\\(.+)$`, Replace: "files/{1}"},
		{On: "contacts", Field: "short", Match: `see (\d+)`, Entity: "contacts", Replace: "see #{id} ({key})"},
	}, fixupFormat(), errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	return rules
}

// fixEnv is one test's environment database.
type fixEnv struct {
	t     *testing.T
	h     Harness
	dsn   string
	ins   Inspector
	f     *format.Format
	rules []*fixup.Rule
	// inline: the transaction is told the rules before the loads
	// (load.FixupPreparer), as an import does.
	inline bool
}

// fixRun is what one import with fix-ups did.
type fixRun struct {
	contacts   load.Counts
	fix        map[string]fixup.Counts // by rule
	unresolved []string                // "key field: text"
}

// run loads structures and contacts and runs the fix-ups in one
// transaction, committed unless rollback.
func (e *fixEnv) run(ss, cs []load.Record, rollback bool) fixRun {
	t := e.t
	t.Helper()
	ctx := Context(t)
	target, err := e.h.Open(ctx, e.dsn, load.Options{Env: "dev", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, e.f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if e.inline {
		fp, ok := tx.(load.FixupPreparer)
		if !ok {
			t.Fatalf("the transaction of %T has no PrepareFixups", target)
		}
		fp.PrepareFixups(e.rules)
	}
	if _, err := tx.Load(ctx, e.f.Entities[0], rowsOf(ss)); err != nil {
		t.Fatal(err)
	}
	var r fixRun
	if r.contacts, err = tx.Load(ctx, e.f.Entities[1], rowsOf(cs)); err != nil {
		t.Fatal(err)
	}
	fx, ok := tx.(load.Fixer)
	if !ok {
		t.Fatalf("the transaction of %T has no Fixup", target)
	}
	counts, err := fx.Fixup(ctx, e.rules, func(u fixup.Unresolved) error {
		r.unresolved = append(r.unresolved, u.Key+" "+u.Field+": "+u.Text)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	r.fix = map[string]fixup.Counts{}
	for _, c := range counts {
		if c.Matches != c.Rewritten+c.Unresolved {
			t.Errorf("rule %s: matches %d != rewritten %d + unresolved %d", c.Rule, c.Matches, c.Rewritten, c.Unresolved)
		}
		r.fix[c.Rule] = c
	}
	if rollback {
		return r
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return r
}

// text returns a contact's column as stored.
func (e *fixEnv) text(key, column string) string {
	e.t.Helper()
	rows := rowsWhere(e.t, e.ins, "contacts", func(r Row) bool { return r["external_id"] == key })
	if len(rows) != 1 {
		e.t.Fatalf("contact %s: %d rows", key, len(rows))
	}
	return rows[0][column]
}

// id returns a row's target id.
func (e *fixEnv) id(table, key string) string {
	e.t.Helper()
	rows := rowsWhere(e.t, e.ins, table, func(r Row) bool { return r["external_id"] == key })
	if len(rows) != 1 {
		e.t.Fatalf("%s %s: %d rows", table, key, len(rows))
	}
	return rows[0]["id"]
}

func contact(key, descr, attachment string) load.Record {
	return load.Record{Line: 2, Values: []string{key, descr, attachment, "", "S1"}}
}

func fixStructures() []load.Record {
	return []load.Record{{Line: 2, Values: []string{"S1", "ACME"}}, {Line: 3, Values: []string{"S2", "Globex"}}}
}

func testFixupSameRun(t *testing.T, e *fixEnv) {
	html := `<p><a href="` + oldLink + `4712">Ben</a> works with <a href="` + oldLink + `4713">Cleo</a> at structure S2.</p>`
	r := e.run(fixStructures(), []load.Record{
		contact("4711", html, `\\oldfs\docs\2019\offer.pdf`),
		contact("4712", "", `D:\elsewhere\x.pdf`),
		contact("4713", "plain text", ""),
	}, false)
	want := fmt.Sprintf(`<p><a href="https://app.example.com/contacts/%s">Ben</a> works with <a href="https://app.example.com/contacts/%s">Cleo</a> at structure #%s.</p>`,
		e.id("contacts", "4712"), e.id("contacts", "4713"), e.id("structures", "S2"))
	if got := e.text("4711", "descr"); got != want {
		t.Errorf("description\n got %s\nwant %s", got, want)
	}
	if got := e.text("4711", "attachment"); got != `files/2019\offer.pdf` {
		t.Errorf("attachment %q", got)
	}
	if got := e.text("4712", "attachment"); got != `D:\elsewhere\x.pdf` {
		t.Errorf("attachment of 4712 changed: %q", got)
	}
	if c := r.fix["contact-links"]; c.Matches != 2 || c.Rewritten != 2 || c.Rows != 1 {
		t.Errorf("contact-links: %+v", c)
	}
	if c := r.fix["contacts.attachment#1"]; c.Matches != 1 || c.Rows != 1 {
		t.Errorf("attachment rule: %+v", c)
	}
	if len(r.unresolved) != 0 {
		t.Errorf("unresolved %v", r.unresolved)
	}
}

func testFixupEarlierRun(t *testing.T, e *fixEnv) {
	e.run(fixStructures(), []load.Record{contact("4711", "first", "")}, false)
	r := e.run(nil, []load.Record{contact("4711", "first", ""), contact("4720", "see "+oldLink+"4711.", "")}, false)
	want := "see https://app.example.com/contacts/" + e.id("contacts", "4711") + "."
	if got := e.text("4720", "descr"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if r.contacts.Inserted != 1 || r.contacts.Unchanged != 1 || r.fix["contact-links"].Rows != 1 {
		t.Errorf("contacts %+v, fix %+v", r.contacts, r.fix["contact-links"])
	}
}

func testFixupUnresolved(t *testing.T, e *fixEnv) {
	descr := "gone: " + oldLink + "999, here: " + oldLink + "4711"
	r := e.run(fixStructures(), []load.Record{contact("4711", descr, ""), contact("4712", "structure S9", "")}, false)
	want := "gone: " + oldLink + "999, here: https://app.example.com/contacts/" + e.id("contacts", "4711")
	if got := e.text("4711", "descr"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := e.text("4712", "descr"); got != "structure S9" {
		t.Errorf("unresolved structure rewritten: %q", got)
	}
	wantU := []string{"4711 description: " + oldLink + "999", "4712 description: structure S9"}
	if !reflect.DeepEqual(r.unresolved, wantU) {
		t.Errorf("unresolved %q, want %q", r.unresolved, wantU)
	}
	if c := r.fix["contact-links"]; c.Matches != 2 || c.Rewritten != 1 || c.Unresolved != 1 {
		t.Errorf("contact-links: %+v", c)
	}
}

func testFixupBecomesResolvable(t *testing.T, e *fixEnv) {
	cs := []load.Record{contact("4711", "see "+oldLink+"4799", "")}
	r := e.run(fixStructures(), cs, false)
	if r.fix["contact-links"].Unresolved != 1 {
		t.Fatalf("first import: %+v", r.fix["contact-links"])
	}
	// Extraction 2 adds the referenced contact; 4711 itself is unchanged.
	r = e.run(fixStructures(), append(cloneRows(cs), contact("4799", "new", "")), false)
	if r.contacts.Unchanged != 1 || r.contacts.Inserted != 1 {
		t.Errorf("contacts %+v", r.contacts)
	}
	want := "see https://app.example.com/contacts/" + e.id("contacts", "4799")
	if got := e.text("4711", "descr"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if c := r.fix["contact-links"]; c.Rewritten != 1 || c.Unresolved != 0 || len(r.unresolved) != 0 {
		t.Errorf("second import: %+v, unresolved %v", c, r.unresolved)
	}
}

func testFixupIdempotent(t *testing.T, e *fixEnv) {
	cs := []load.Record{
		contact("4711", "<a href='"+oldLink+"4712'>x</a> structure S1", `\\oldfs\docs\a.pdf`),
		contact("4712", oldLink+"4711", ""),
	}
	e.run(fixStructures(), cs, false)
	before := project(e.ins.Table(t, "contacts"), "id", "descr", "attachment")
	e.ins.TrackVersions(t, "contacts", "handover_rows")
	versions := map[string]map[string]string{}
	for _, table := range []string{"contacts", "handover_rows"} {
		versions[table] = e.ins.Versions(t, table)
	}
	r := e.run(fixStructures(), cloneRows(cs), false)
	if r.contacts.Unchanged != 2 {
		t.Errorf("re-import of the same values: %+v (the fingerprints must not see the rewrites)", r.contacts)
	}
	for name, c := range r.fix {
		if c.Matches != 0 || c.Rows != 0 {
			t.Errorf("rule %s on the second run: %+v", name, c)
		}
	}
	for table, v := range versions {
		if after := e.ins.Versions(t, table); !maps.Equal(v, after) {
			t.Errorf("the second run wrote rows of %s: versions %v, then %v", table, v, after)
		}
	}
	if after := project(e.ins.Table(t, "contacts"), "id", "descr", "attachment"); !reflect.DeepEqual(before, after) {
		t.Errorf("rows changed:\n%v\n%v", before, after)
	}
}

func testFixupChangedRow(t *testing.T, e *fixEnv) {
	e.run(fixStructures(), []load.Record{contact("4711", "a", ""), contact("4712", oldLink+"4711", "")}, false)
	r := e.run(fixStructures(), []load.Record{contact("4711", "a", ""), contact("4712", "now: "+oldLink+"4711", "")}, false)
	if r.contacts.Updated != 1 || r.fix["contact-links"].Rows != 1 {
		t.Errorf("contacts %+v, fix %+v", r.contacts, r.fix["contact-links"])
	}
	if got, want := e.text("4712", "descr"), "now: https://app.example.com/contacts/"+e.id("contacts", "4711"); got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func testFixupRollback(t *testing.T, e *fixEnv) {
	e.run(fixStructures(), []load.Record{contact("4711", oldLink+"4799", "")}, false)
	e.run(fixStructures(), []load.Record{contact("4711", oldLink+"4799", ""), contact("4799", "", "")}, true)
	if got := e.text("4711", "descr"); got != oldLink+"4799" {
		t.Errorf("rolled back fix-up left %q", got)
	}
}

func testFixupTooLong(t *testing.T, e *fixEnv) {
	short := func(key, s string) load.Record { return load.Record{Line: 2, Values: []string{key, "", "", s, ""}} }
	r := e.run(fixStructures(), []load.Record{short("1", "see 2"), short("2", "see 1"), short("123456", "see 123456")}, false)
	if got, want := e.text("1", "short"), "see #"+e.id("contacts", "2")+" (2)"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := e.text("123456", "short"); got != "see 123456" {
		t.Errorf("too long a rewrite was written: %q", got)
	}
	if len(r.unresolved) != 1 || !strings.HasPrefix(r.unresolved[0], "123456 short: see 123456") {
		t.Errorf("unresolved %v", r.unresolved)
	}
}

func testFixupMany(t *testing.T, e *fixEnv) {
	const n = 3*core.FixupChunk + 500 // several chunks; the keys asked soon pass a sixteenth: whole map
	var cs []load.Record
	for i := range n {
		cs = append(cs, contact(fmt.Sprint(i), fmt.Sprintf("next: %s%d, self: %s%d", oldLink, i+1, oldLink, i), ""))
	}
	r := e.run(fixStructures(), cs, false)
	c := r.fix["contact-links"]
	if c.Matches != 2*n || c.Rewritten != 2*n-1 || c.Unresolved != 1 || c.Rows != n || len(r.unresolved) != 1 {
		t.Errorf("counts %+v, %d unresolved", c, len(r.unresolved))
	}
	old := rowsWhere(t, e.ins, "contacts", func(r Row) bool { return strings.Contains(r["descr"], "old-vendor") })
	if len(old) != 1 {
		t.Errorf("%d rows still link the old CRM, want 1", len(old))
	}
	last := e.id("contacts", fmt.Sprint(n-1))
	if got, want := e.text(fmt.Sprint(n-2), "descr"), "next: https://app.example.com/contacts/"+last; !strings.HasPrefix(got, want) {
		t.Errorf("got %q, want prefix %q", got, want)
	}
}

func testFixupPrefilters(t *testing.T, e *fixEnv) {
	errs := &conf.Errors{}
	e.rules = fixup.Compile([]fixup.Spec{
		{On: "contacts", Field: "description", Match: `(?i)SEE (\d+)`, Entity: "contacts", Replace: "→{id}"},
		{On: "contacts", Field: "attachment", Match: `old_(\w+)%`, Replace: "new-{1}"},
		{On: "contacts", Field: "short", Match: `[ab]x`, Replace: "y"},
	}, e.f, errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	r := e.run(fixStructures(), []load.Record{
		{Line: 2, Values: []string{"1", "see 2, See 3, SEE 9", "old_a% oldXb% old_c", "ax bx cx", ""}},
		{Line: 3, Values: []string{"2", "nothing", "", "", ""}},
		{Line: 4, Values: []string{"3", "", "", "", ""}},
	}, false)
	want := map[string]string{
		"descr":      "→" + e.id("contacts", "2") + ", →" + e.id("contacts", "3") + ", SEE 9",
		"attachment": "new-a oldXb% old_c",
		"short":      "y y cx",
	}
	for col, w := range want {
		if got := e.text("1", col); got != w {
			t.Errorf("%s: got %q, want %q", col, got, w)
		}
	}
	if len(r.unresolved) != 1 || r.fix["contacts.short#1"].Rewritten != 2 {
		t.Errorf("unresolved %v, fix %+v", r.unresolved, r.fix)
	}
}
