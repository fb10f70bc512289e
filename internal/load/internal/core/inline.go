package core

import (
	"context"
	"fmt"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
)

// Fix-ups at insert time. An import's fix-up rules are known before its
// loads (load.FixupPreparer), so a load rewrites a row's text as it writes
// the row when every key the text links to is known by then — an entity
// loaded (and swept) earlier in the transaction, rows of earlier runs
// that this transaction cannot delete any more, rows of the same load
// already met — instead of the pass after the loads rewriting it with an
// UPDATE. A row whose links point at keys of its own entity not met yet
// waits, where the backend can hold it (RowFixer.Apply says so), until
// the load has met every key. The pass still runs: it finds what was left
// as delivered (links it cannot resolve, rows of earlier runs) exactly as
// before, and adds the counts of the rows rewritten at insert time, so its
// result and counts are those of a pass over every row.

// inlineGroup is one group of rules applied at insert time, and the field
// it rewrites.
type inlineGroup struct {
	col   int
	fixer *fixup.Fixer
	// whole: the load wrote every row the table holds (it was empty);
	// left: it wrote a row with a match it did not rewrite. Whole and not
	// left, the pass has nothing to find (RunFixups skips its scan).
	whole, left bool
}

// PrepareFixups takes the rules the import's pass will run, so that loads
// can apply them as they write rows (load.FixupPreparer).
func (s *TxState) PrepareFixups(rules []*fixup.Rule) {
	s.inline = map[string][]*inlineGroup{}
	for _, g := range fixup.Groups(rules) {
		p, col, err := fixupTarget(s.Mappings, g)
		if err != nil {
			continue // the pass reports it
		}
		s.inline[p.Entity.Name] = append(s.inline[p.Entity.Name], &inlineGroup{col: col, fixer: g.NewFixer(nil, nil)})
	}
}

// fixupField names the field a group of rules rewrites.
type fixupField struct {
	entity string
	col    int
}

// cleanGroups are the fields whose whole table the loads wrote with every
// match rewritten: the pass would find nothing there.
func (s *TxState) cleanGroups() map[fixupField]bool {
	out := map[fixupField]bool{}
	for e, gs := range s.inline {
		for _, g := range gs {
			if g.whole && !g.left {
				out[fixupField{e, g.col}] = true
			}
		}
	}
	return out
}

// inlineCounts are the counts of the rows rewritten at insert time.
func (s *TxState) inlineCounts() []fixup.Counts {
	var out []fixup.Counts
	for _, gs := range s.inline {
		for _, g := range gs {
			out = append(out, g.fixer.Counts()...)
		}
	}
	return out
}

// RowFixer rewrites the fix-up fields of one entity's records as a load
// writes them.
type RowFixer struct {
	groups []*inlineGroup
	entity string
	self   *Book   // the load's keys and their target ids, as met
	keys   *KeyIDs // instead of self: the keys of a load that started with none
	// selfFinal: every key of the entity's book keeps its id to the end
	// of the import (its removal policy is not delete).
	selfFinal bool
	others    map[string]*Book // final bookkeeping of the other entities linked to; nil: unknown
	final     bool             // the load has met every key: Later is Unknown
	vals      []string
	results   []string
	found     []bool
	ran       []bool // per group: the last Apply ran Inline on its text (Memo)
}

// RowFixer returns the fixer of p's load, or nil when no rule rewrites p
// at insert time. self is the book the load keeps its keys in (it may
// hold rows of earlier runs, marked seen when the load meets them); book
// reads an entity's bookkeeping as it stands now.
func (s *TxState) RowFixer(ctx context.Context, p *Mapping, self *Book, book func(ctx context.Context, entity string) (*Book, error)) (*RowFixer, error) {
	gs := s.inline[p.Entity.Name]
	if len(gs) == 0 || s.Failed != nil {
		return nil, nil
	}
	f := &RowFixer{groups: gs, entity: p.Entity.Name, self: self,
		selfFinal: Policy(p.Entity) != format.RemovedDelete, others: map[string]*Book{}}
	for _, g := range gs {
		for _, r := range g.fixer.Rules() {
			e := r.Entity
			if e == "" || e == p.Entity.Name {
				continue
			}
			if _, done := f.others[e]; done {
				continue
			}
			f.others[e] = nil
			// An entity loaded earlier in this transaction has been swept:
			// its bookkeeping is final. One still to come may delete rows
			// of earlier runs under removed: delete; otherwise its rows
			// keep their ids, and its new keys are unknown now.
			op := s.Mappings[e]
			if op != nil && !s.loaded[e] && Policy(op.Entity) == format.RemovedDelete {
				continue
			}
			b, err := book(ctx, e)
			if err != nil {
				return nil, fmt.Errorf("fix-ups at insert time: %w", err)
			}
			f.others[e] = b
		}
	}
	return f, nil
}

// RowFixerKeys is RowFixer for a load into a table without bookkeeping
// of its entity (a first import), which keeps the keys it meets in keys.
func (s *TxState) RowFixerKeys(ctx context.Context, p *Mapping, keys *KeyIDs, book func(ctx context.Context, entity string) (*Book, error)) (*RowFixer, error) {
	f, err := s.RowFixer(ctx, p, nil, book)
	if f != nil {
		f.keys = keys
	}
	return f, err
}

// SetFinal says the load has met every key of its entity: a key still
// missing is left to the pass.
func (f *RowFixer) SetFinal() { f.final = true }

// WritesWholeTable says the load writes every row its entity's table will
// hold (the table was empty) and applies the fixer to each, the rows it
// holds back too: when no row keeps a match, the pass after the loads need
// not scan the table. A load that cannot hold rows must not say so.
func (f *RowFixer) WritesWholeTable() {
	for _, g := range f.groups {
		g.whole = true
	}
}

func (f *RowFixer) look(entity, key string) (int64, fixup.Known) {
	if entity != f.entity {
		b := f.others[entity]
		if b == nil {
			return 0, fixup.Unknown
		}
		if i, ok := b.Find(key); ok {
			return b.IDs[i], fixup.Found
		}
		return 0, fixup.Unknown
	}
	if f.keys != nil {
		if id, ok := f.keys.Find(key); ok {
			return id, fixup.Found
		}
		if f.final {
			return 0, fixup.Unknown
		}
		return 0, fixup.Later
	}
	i, ok := f.self.Find(key)
	switch {
	case ok && (f.selfFinal || f.self.IsSeen(i)):
		return f.self.IDs[i], fixup.Found
	case f.final:
		return 0, fixup.Unknown
	}
	return 0, fixup.Later
}

// Apply returns the values to write for a record: values itself, or a copy
// with the rewritten texts (valid until the next call). later reports that
// the row should wait until SetFinal (nothing was counted then; Memo says
// what was found); a backend that cannot hold rows writes values as they
// are, for the pass.
func (f *RowFixer) Apply(values []string) (out []string, later bool) {
	return f.apply(values, nil)
}

// ApplyHeld is Apply for a record held back after SetFinal, with the memo
// Memo gave when it was held: its texts are not matched again.
func (f *RowFixer) ApplyHeld(values []string, memo []byte) []string {
	out, _ := f.apply(values, memo)
	return out
}

// Memo appends to dst what the last Apply that said later found in the
// record's texts, for ApplyHeld.
func (f *RowFixer) Memo(dst []byte) []byte {
	for i, g := range f.groups {
		if i < len(f.ran) && f.ran[i] {
			dst = g.fixer.AppendMemo(dst)
		} else {
			dst = fixup.NoMemo(dst)
		}
	}
	return dst
}

func (f *RowFixer) apply(values []string, memo []byte) (out []string, later bool) {
	f.results, f.found, f.ran = f.results[:0], f.found[:0], f.ran[:0]
	for _, g := range f.groups {
		var m []byte
		m, memo = fixup.SplitMemo(memo)
		t := values[g.col]
		if t == "" {
			f.results, f.found, f.ran = append(f.results, t), append(f.found, false), append(f.ran, false)
			continue
		}
		nt, k := g.fixer.InlineMemo(t, m, f.look)
		f.ran = append(f.ran, true)
		switch k {
		case fixup.Later:
			return values, true
		case fixup.Unknown:
			g.left = true // written as delivered: the pass decides
		}
		f.results, f.found = append(f.results, nt), append(f.found, k == fixup.Found)
	}
	out = values
	for i, g := range f.groups {
		if !f.found[i] {
			continue
		}
		g.fixer.Keep()
		if nt := f.results[i]; nt != values[g.col] {
			if &out[0] == &values[0] {
				f.vals = append(f.vals[:0], values...)
				out = f.vals
			}
			out[g.col] = nt
		}
	}
	return out, false
}
