package core

import (
	"context"
	"fmt"
	"testing"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project/conf"
)

// TestRowFixerKnows checks what a load may take as known when it writes a
// row: its own keys met so far; rows of earlier imports only when the
// entity's removal policy cannot delete them, or once met; other entities
// only through their bookkeeping as given; after SetFinal nothing waits.
func TestRowFixerKnows(t *testing.T) {
	self := NewBook()
	self.Add("old", Fingerprint{}, 1)                // an earlier import's row, not met yet
	self.MarkSeen(self.Add("met", Fingerprint{}, 2)) // met in this load
	other := NewBook()
	other.Add("S1", Fingerprint{}, 7)
	for _, policy := range []string{format.RemovedKeep, format.RemovedDelete} {
		f := &RowFixer{entity: "contacts", self: self, selfFinal: policy != format.RemovedDelete,
			others: map[string]*Book{"structures": other, "unknown": nil}}
		cases := []struct {
			entity, key string
			id          int64
			known       fixup.Known
		}{
			{"contacts", "met", 2, fixup.Found},
			{"contacts", "later", 0, fixup.Later},
			{"structures", "S1", 7, fixup.Found},
			{"structures", "S9", 0, fixup.Unknown},
			{"unknown", "x", 0, fixup.Unknown},
		}
		if policy == format.RemovedDelete {
			cases = append(cases, struct {
				entity, key string
				id          int64
				known       fixup.Known
			}{"contacts", "old", 0, fixup.Later})
		} else {
			cases = append(cases, struct {
				entity, key string
				id          int64
				known       fixup.Known
			}{"contacts", "old", 1, fixup.Found})
		}
		for _, c := range cases {
			if id, k := f.look(c.entity, c.key); id != c.id || k != c.known {
				t.Errorf("%s: %s %s: %d %v, want %d %v", policy, c.entity, c.key, id, k, c.id, c.known)
			}
		}
		f.SetFinal()
		if _, k := f.look("contacts", "later"); k != fixup.Unknown {
			t.Errorf("%s: after SetFinal a missing key is %v", policy, k)
		}
		if _, k := f.look("contacts", "old"); policy == format.RemovedDelete && k != fixup.Unknown {
			t.Errorf("delete: after SetFinal an old row never met is %v (the removal deletes it)", k)
		}
	}
}

// TestCleanGroups: the pass may skip a field only when the load wrote its
// whole table (WritesWholeTable) and left no match as delivered.
func TestCleanGroups(t *testing.T) {
	e := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String}, {Name: "notes", Column: "notes", Type: format.String}}}
	if err := e.Compile(); err != nil {
		t.Fatal(err)
	}
	f := &format.Format{Entities: []*format.Entity{e}}
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{{On: "contacts", Field: "notes", Match: `see (\d+)`, Entity: "contacts", Replace: "see #{id}"}}, f, errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	ps, err := Mappings(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		whole bool
		notes []string
		clean bool
	}{
		{"every link rewritten", true, []string{"see 1", "no link"}, true},
		{"a link to a missing key", true, []string{"see 1", "see 9"}, false},
		{"the table was not empty", false, []string{"see 1"}, false},
	} {
		st := NewTxState()
		st.Mappings["contacts"] = ps[0]
		st.PrepareFixups(rules)
		self := NewBook()
		self.MarkSeen(self.Add("1", Fingerprint{}, 1))
		fx, err := st.RowFixer(context.Background(), ps[0], self, nil)
		if err != nil || fx == nil {
			t.Fatalf("%s: fixer %v, %v", c.name, fx, err)
		}
		if c.whole {
			fx.WritesWholeTable()
		}
		fx.SetFinal()
		for _, n := range c.notes {
			fx.Apply([]string{"1", n})
		}
		if got := st.cleanGroups()[fixupField{"contacts", 1}]; got != c.clean {
			t.Errorf("%s: clean %v, want %v", c.name, got, c.clean)
		}
	}
}

// TestRowFixerMemo holds rows back as a load does — two fields with
// rules, one of them empty or linking further on — and writes them after
// SetFinal with their memo: the values and counts are those of a fixer
// that matches every text anew.
func TestRowFixerMemo(t *testing.T) {
	e := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id", Fields: []*format.Field{
		{Name: "external_id", Column: "external_id", Type: format.String}, {Name: "notes", Column: "notes", Type: format.String},
		{Name: "remark", Column: "remark", Type: format.String}}}
	if err := e.Compile(); err != nil {
		t.Fatal(err)
	}
	f := &format.Format{Entities: []*format.Entity{e}}
	errs := &conf.Errors{}
	rules := fixup.Compile([]fixup.Spec{
		{On: "contacts", Field: "notes", Match: `see (\d+)`, Entity: "contacts", Replace: "see #{id}"},
		{On: "contacts", Field: "remark", Match: `ref (\d+)`, Entity: "contacts", Replace: "ref #{id}"}}, f, errs)
	if errs.Len() > 0 {
		t.Fatal(errs)
	}
	ps, err := Mappings(f)
	if err != nil {
		t.Fatal(err)
	}
	rows := [][]string{
		{"1", "see 2 and see 1", "ref 1"}, // notes wait
		{"2", "see 1", "ref 3 ref 1"},     // remark waits, notes found
		{"3", "", "ref 4"},                // empty notes, remark waits
		{"4", "see 9", "ref 1"},           // notes wait for a key that never comes
		{"5", "see 1", "ref 1"},           // nothing waits
	}
	fixer := func() (*RowFixer, *TxState, *Book) {
		st := NewTxState()
		st.Mappings["contacts"] = ps[0]
		st.PrepareFixups(rules)
		self := NewBook()
		fx, err := st.RowFixer(context.Background(), ps[0], self, nil)
		if err != nil || fx == nil {
			t.Fatalf("fixer %v, %v", fx, err)
		}
		return fx, &st, self
	}
	held, heldSt, heldBook := fixer()
	type heldRow struct {
		values []string
		memo   []byte
	}
	var wait []heldRow
	var got [][]string
	for i, r := range rows {
		heldBook.MarkSeen(heldBook.Add(r[0], Fingerprint{}, int64(100+i)))
		out, later := held.Apply(r)
		if later {
			wait = append(wait, heldRow{r, held.Memo(nil)})
			continue
		}
		got = append(got, append([]string(nil), out...))
	}
	if len(wait) != 4 {
		t.Fatalf("%d rows held, want 4", len(wait))
	}
	held.SetFinal()
	for _, w := range wait {
		got = append(got, append([]string(nil), held.ApplyHeld(w.values, w.memo)...))
	}
	anew, anewSt, anewBook := fixer()
	for i, r := range rows {
		anewBook.MarkSeen(anewBook.Add(r[0], Fingerprint{}, int64(100+i)))
	}
	anew.SetFinal()
	want := map[string]string{}
	for _, r := range rows {
		want[r[0]] = fmt.Sprint(anew.ApplyHeld(r, nil))
	}
	for _, g := range got {
		if fmt.Sprint(g) != want[g[0]] {
			t.Errorf("row %s: %v, matched anew %s", g[0], g, want[g[0]])
		}
	}
	if a, b := fmt.Sprint(heldSt.inlineCounts()), fmt.Sprint(anewSt.inlineCounts()); a != b {
		t.Errorf("counts with memos %s, matched anew %s", a, b)
	}
}

// TestRowFixerKeysKnows: a fixer over KeyIDs (a load that started with no
// bookkeeping of its entity) takes its keys met so far as known, waits
// for the others until SetFinal, and asks other entities' bookkeeping.
func TestRowFixerKeysKnows(t *testing.T) {
	keys := NewKeyIDs()
	keys.Add("met", 2)
	other := NewBook()
	other.Add("S1", Fingerprint{}, 7)
	f := &RowFixer{entity: "contacts", keys: keys, others: map[string]*Book{"structures": other}}
	cases := []struct {
		entity, key string
		id          int64
		known, last fixup.Known // before and after SetFinal
	}{
		{"contacts", "met", 2, fixup.Found, fixup.Found},
		{"contacts", "later", 0, fixup.Later, fixup.Unknown},
		{"structures", "S1", 7, fixup.Found, fixup.Found},
		{"structures", "S9", 0, fixup.Unknown, fixup.Unknown},
	}
	for _, final := range []bool{false, true} {
		if final {
			f.SetFinal()
		}
		for _, c := range cases {
			want := c.known
			if final {
				want = c.last
			}
			if id, k := f.look(c.entity, c.key); id != c.id || k != want {
				t.Errorf("final %v: %s %s: %d %v, want %d %v", final, c.entity, c.key, id, k, c.id, want)
			}
		}
	}
}
