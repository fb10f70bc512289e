package fixup

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// noteRules are three rules on contacts' notes: a link to another
// contact, one to a structure, and a rewrite that needs no key.
const noteRules = `
fixups:
  - on: contacts
    field: note
    match: 'crm/(\d+)'
    entity: contacts
    replace: 'app/{id}'
  - on: contacts
    field: note
    match: 'st (S\d)'
    entity: structures
    replace: 'st #{id}'
  - on: contacts
    field: note
    match: 'x+'
    replace: 'y'
`

// TestInlineEqualsPass applies a group to random texts both ways: Inline
// row by row, and a pass's Chunk. Where Inline says Found, its text and
// counts must be the pass's; where it does not, it must have changed and
// counted nothing, and the pass must have had a reason (a key it could
// not resolve, a result the field cannot hold, a rewrite found again).
func TestInlineEqualsPass(t *testing.T) {
	rules := mustRules(t, noteRules)
	g := Groups(rules)[0]
	ids := map[string]int64{}
	for i := range 40 {
		ids[fmt.Sprint(i)] = int64(1000 + i)
	}
	sids := map[string]int64{"S1": 7, "S2": 8}
	look := func(entity, key string) (int64, Known) {
		m := ids
		if entity == "structures" {
			m = sids
		}
		id, ok := m[key]
		if !ok {
			return 0, Unknown
		}
		return id, Found
	}
	resolve := func(_ context.Context, entity string, keys []string) (map[string]int64, error) {
		m := ids
		if entity == "structures" {
			m = sids
		}
		return m, nil
	}
	rng := rand.New(rand.NewPCG(1, 2))
	parts := []string{"crm/3", "crm/39", "crm/77", "st S1", "st S9", "xx", "text ", "crm/", "a"}
	var found, left int
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(parts[rng.IntN(len(parts))])
			b.WriteByte(' ')
		}
		text := b.String()
		in := g.NewFixer(nil, nil)
		got, k := in.Inline(text, look)
		if k == Found {
			in.Keep()
		}
		var unresolved int
		pass := g.NewFixer(resolve, func(Unresolved) error { unresolved++; return nil })
		rows := []Row{{ID: 1, Text: text}}
		if _, err := pass.Chunk(context.Background(), rows); err != nil {
			t.Fatal(err)
		}
		switch k {
		case Found:
			found++
			if got != rows[0].Text {
				t.Fatalf("%q: inline %q, pass %q", text, got, rows[0].Text)
			}
			if a, b := fmt.Sprint(in.Counts()), fmt.Sprint(pass.Counts()); a != b {
				t.Fatalf("%q: inline counts %s, pass %s", text, a, b)
			}
		default:
			left++
			if got != text {
				t.Fatalf("%q: inline changed the text to %q but left it", text, got)
			}
			for _, c := range in.Counts() {
				if c.Matches != 0 || c.Rows != 0 {
					t.Fatalf("%q: inline left the text but counted %+v", text, c)
				}
			}
			again := false
			for _, c := range pass.Counts() {
				again = again || c.Again != ""
			}
			if unresolved == 0 && !again {
				t.Fatalf("%q: inline left it, the pass rewrote %q without a reason", text, rows[0].Text)
			}
		}
	}
	if found < 500 || left < 500 {
		t.Errorf("found %d, left %d: the data does not exercise both", found, left)
	}
}
