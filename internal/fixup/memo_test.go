package fixup

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// TestInlineMemo holds back texts whose keys come later, as a load does,
// and writes them with their memo once every key is known: the result and
// the counts are those of an Inline that matches the text anew, also when
// the memo is damaged (it is ignored then).
func TestInlineMemo(t *testing.T) {
	rules := mustRules(t, noteRules)
	g := Groups(rules)[0]
	final := false
	look := func(entity, key string) (int64, Known) {
		if entity == "structures" {
			if key == "S1" {
				return 7, Found
			}
			return 0, Unknown
		}
		n, err := strconv.Atoi(key)
		if err != nil || n >= 40 {
			if final {
				return 0, Unknown
			}
			return 0, Later
		}
		if n >= 20 && !final {
			return 0, Later // a row further on
		}
		return int64(1000 + n), Found
	}
	rng := rand.New(rand.NewPCG(3, 4))
	parts := []string{"crm/3", "crm/29", "crm/77", "st S1", "st S9", "xx", "text ", "crm/", "a", "st crm/25"}
	held := 0
	for i := range 3000 {
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(parts[rng.IntN(len(parts))])
			b.WriteByte(' ')
		}
		text := b.String()
		final = false
		first := g.NewFixer(nil, nil)
		if _, k := first.Inline(text, look); k != Later {
			continue
		}
		held++
		memo, rest := SplitMemo(first.AppendMemo(nil))
		if len(rest) != 0 || len(memo) == 0 {
			t.Fatalf("%q: memo %x, rest %x", text, memo, rest)
		}
		switch i % 3 {
		case 1:
			memo = memo[:len(memo)-1] // damaged: ignored
		case 2:
			memo = binary.AppendVarint(append([]byte(nil), memo...), int64(len(text)+1))
		}
		final = true
		with := g.NewFixer(nil, nil)
		got, k := with.InlineMemo(text, memo, look)
		anew := g.NewFixer(nil, nil)
		want, kw := anew.Inline(text, look)
		if got != want || k != kw {
			t.Fatalf("%q (memo %x): %q %v, matched anew %q %v", text, memo, got, k, want, kw)
		}
		if k == Found {
			with.Keep()
			anew.Keep()
		}
		if a, b := fmt.Sprint(with.Counts()), fmt.Sprint(anew.Counts()); a != b {
			t.Fatalf("%q: counts with the memo %s, matched anew %s", text, a, b)
		}
	}
	if held < 300 {
		t.Errorf("only %d texts held: the data does not exercise the memo", held)
	}
}

// TestInlineMemoIsUsed: a memo that says the first rule matched nothing
// is believed (the text is not matched again); one of a text with no key
// yet is refused.
func TestInlineMemoIsUsed(t *testing.T) {
	rules := mustRules(t, `
fixups:
  - on: contacts
    field: note
    match: 'crm/(\d+)'
    entity: contacts
    replace: 'app/{id}'
`)
	g := Groups(rules)[0]
	look := func(string, string) (int64, Known) { return 5, Found }
	none, _ := SplitMemo(binary.AppendUvarint(binary.AppendUvarint(nil, 1), 0))
	f := g.NewFixer(nil, nil)
	if got, k := f.InlineMemo("see crm/1", none, look); got != "see crm/1" || k != Found {
		t.Errorf("a memo of no match: %q %v; the text was matched again", got, k)
	}
	if got, _ := f.InlineMemo("see crm/1", nil, look); got != "see app/5" {
		t.Errorf("no memo: %q", got)
	}
	var fresh Fixer
	fresh.g = g
	if m := fresh.AppendMemo(nil); len(m) != 1 || m[0] != 0 {
		t.Errorf("a fixer that matched nothing yet gives memo %x, want one that knows nothing", m)
	}
}
