package fixup

import (
	"errors"
	"strings"
)

// Known is what a load knows of a key when it writes a row.
type Known int8

const (
	// Found: the key's target id is final for this import.
	Found Known = iota
	// Later: the key may still come in the load writing the row (a row of
	// the same entity further on).
	Later
	// Unknown: the load cannot tell; the pass after the loads decides.
	Unknown
)

// InlineLookup resolves a key of entity as a load knows it when it writes
// a row.
type InlineLookup func(entity, key string) (int64, Known)

// errInlineMiss stops a rendering at the first key that does not resolve.
var errInlineMiss = errors.New("inline: a key does not resolve")

// Inline applies the group's rules to one text as a load writes the row,
// so that the pass after the loads has nothing left to do for it. It
// returns the text to write and Found when every match of every rule
// resolved, the result fits the field and no rule of the group matches it
// any more: exactly what the pass would have written. Otherwise it returns
// the text unchanged and why — Later when some key may still come in this
// load, Unknown when the pass must decide — and counts nothing: the pass
// will meet the text as it was delivered. A Found result is counted once
// Keep is called (a row whose other field waits is not written yet).
func (f *Fixer) Inline(text string, look InlineLookup) (string, Known) {
	return f.inline(text, nil, false, look)
}

// InlineMemo is Inline for a text whose earlier Inline said Later, given
// what that call found (AppendMemo): the group's first rule is not
// matched again. A memo that does not fit text is ignored.
func (f *Fixer) InlineMemo(text string, memo []byte, look InlineLookup) (string, Known) {
	locs, ok := f.readMemo(text, memo)
	return f.inline(text, locs, ok, look)
}

// inline is Inline; with known, first are the first rule's matches in text.
func (f *Fixer) inline(text string, first [][]int, known bool, look InlineLookup) (string, Known) {
	f.pending = f.pending[:0]
	f.first, f.firstKnown = nil, false
	t := text
	matched := false
	for ri, r := range f.g.Rules {
		c := Counts{}
		var locs [][]int
		switch {
		case ri == 0 && known:
			locs = first
		case r.literal != "" && !strings.Contains(t, r.literal):
		default:
			locs = r.findAll(t)
		}
		if ri == 0 {
			f.first, f.firstKnown = locs, true
		}
		if locs == nil {
			f.pending = append(f.pending, c)
			continue
		}
		matched = true
		miss := Found
		out, done, err := f.render(r, t, locs, &c, func(key string) (int64, bool) {
			if key == "" {
				return 0, false
			}
			id, k := look(r.Entity, key)
			if k != Found {
				miss = max(miss, k)
			}
			return id, k == Found
		}, func(string, string) error {
			if miss == Found {
				miss = Unknown // a match that captured no key
			}
			return errInlineMiss
		})
		switch {
		case err != nil:
			return text, miss
		case c.Again != "":
			return text, Unknown // the pass warns about it
		}
		c.Rewritten = int64(len(done))
		if out != t {
			if f.g.fits(out) != "" {
				return text, Unknown // the pass lists it as unresolved
			}
			c.Rows = 1
		}
		f.pending = append(f.pending, c)
		t = out
	}
	if matched {
		for _, r := range f.g.Rules {
			if (r.literal == "" || strings.Contains(t, r.literal)) && r.re.MatchString(t) {
				return text, Unknown // the pass would rewrite it again
			}
		}
	}
	return t, Found
}

// Keep counts the last Inline that returned Found.
func (f *Fixer) Keep() {
	for i, c := range f.pending {
		k := &f.counts[i]
		k.Matches += c.Matches
		k.Rewritten += c.Rewritten
		k.Rows += c.Rows
	}
	f.pending = f.pending[:0]
}

// Add adds counts of the same rules (an earlier part of the pass, such as
// the rows rewritten as they were loaded) to the pass's.
func (f *Fixer) Add(counts []Counts) {
	for _, c := range counts {
		for i := range f.counts {
			if k := &f.counts[i]; k.Rule == c.Rule {
				k.Matches += c.Matches
				k.Rewritten += c.Rewritten
				k.Unresolved += c.Unresolved
				k.Rows += c.Rows
				if k.Again == "" {
					k.Again = c.Again
				}
			}
		}
	}
}

// Rules are the group's rules, in the order they run.
func (f *Fixer) Rules() []*Rule { return f.g.Rules }
