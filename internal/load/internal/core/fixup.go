package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/handover/handover/internal/fixup"
	"github.com/handover/handover/internal/format"
)

// Fix-ups run after the loads of an import, in its transaction, over every
// current row of the rules' entities that a rule could match — rows of
// earlier runs included, so a reference whose target appeared only now is
// rewritten now. They change target values only, never the bookkeeping:
// a row's fingerprint stays that of the delivery's values. A later import
// of the same values finds the fingerprint unchanged and leaves the row
// (and its rewritten text) alone; an import of changed values writes the
// delivery's text, and the fix-up pass after it rewrites that again.

// FixupChunk is how many rows a fix-up pass reads and resolves at a time.
const FixupChunk = 4096

// FixupBackend is what a fix-up pass needs of a database.
type FixupBackend interface {
	// fixupScan calls fn with the rows of p whose field col a rule of g
	// could match, in id order, a chunk at a time.
	FixupScan(ctx context.Context, p *Mapping, col int, g *fixup.Group, fn func([]fixup.Row) error) error
	// fixupLookup returns the target ids of those of keys entity holds.
	FixupLookup(ctx context.Context, entity string, keys []string) (map[string]int64, error)
	// fixupAllKeys returns the target id of every key entity holds.
	FixupAllKeys(ctx context.Context, entity string) (map[string]int64, error)
	// fixupKeyCount returns how many keys entity holds.
	FixupKeyCount(ctx context.Context, entity string) (int, error)
	// fixupIDs returns the lowest and highest id of p's table (0, 0 when
	// it is empty).
	FixupIDs(ctx context.Context, p *Mapping) (int64, int64, error)
	// fixupWrite sets field col of rows to their Text; it may buffer
	// until fixupFlush.
	FixupWrite(ctx context.Context, p *Mapping, col int, rows []fixup.Row) error
	FixupFlush(ctx context.Context, p *Mapping, col int) error
}

// A pass looks keys up chunk by chunk (an index probe each) while it
// expects to ask, in all, for at most a sixteenth of an entity's keys —
// about what reading the entity's whole key → id map once costs; beyond
// that it reads the whole map and uses it. The estimate extrapolates the
// keys asked so far over the share of the rows scanned (the scan goes in
// id order), so a pass over a few links never holds a large map.
const fixupWholeMapShare = 16

// fixupKeys resolves the keys of a pass.
type fixupKeys struct {
	b     FixupBackend
	done  float64                     // share of the current scan done, by id
	asked map[string]int              // keys looked up so far, per entity
	size  map[string]int              // keys per entity, once counted
	all   map[string]map[string]int64 // whole maps read
}

func (k *fixupKeys) resolve(ctx context.Context, entity string, keys []string) (map[string]int64, error) {
	if m := k.all[entity]; m != nil {
		return m, nil
	}
	k.asked[entity] += len(keys)
	if k.asked[entity] > FixupChunk/4 {
		whole, err := k.wholeMapPays(ctx, entity)
		if err != nil {
			return nil, err
		}
		if whole {
			m, err := k.b.FixupAllKeys(ctx, entity)
			if err != nil {
				return nil, err
			}
			k.all[entity] = m
			return m, nil
		}
	}
	return k.b.FixupLookup(ctx, entity, keys)
}

// wholeMapPays reports whether the pass is likely to ask for more than a
// sixteenth of entity's keys.
func (k *fixupKeys) wholeMapPays(ctx context.Context, entity string) (bool, error) {
	n, ok := k.size[entity]
	if !ok {
		var err error
		if n, err = k.b.FixupKeyCount(ctx, entity); err != nil {
			return false, err
		}
		k.size[entity] = n
	}
	expected := float64(k.asked[entity])
	if k.done > 0 && k.done < 1 {
		expected /= k.done
	}
	return expected > float64(n)/fixupWholeMapShare, nil
}

// progress tracks how far a scan in id order has come.
type progress struct {
	lo, hi int64 // the table's lowest and highest id
}

func (pr progress) share(rows []fixup.Row) float64 {
	if len(rows) == 0 || pr.hi <= pr.lo {
		return 1
	}
	last := rows[len(rows)-1].ID
	return float64(last-pr.lo+1) / float64(pr.hi-pr.lo+1)
}

// RunFixups runs every group of rules: scan, rewrite, write. The counts
// include those of the rows the transaction's loads rewrote at insert
// time (inline.go).
func RunFixups(ctx context.Context, b FixupBackend, st *TxState, rules []*fixup.Rule, report func(fixup.Unresolved) error) ([]fixup.Counts, error) {
	mappings := st.Mappings
	inline := st.inlineCounts()
	clean := st.cleanGroups()
	st.inline = nil
	var out []fixup.Counts
	keys := &fixupKeys{b: b, asked: map[string]int{}, size: map[string]int{}, all: map[string]map[string]int64{}}
	for _, g := range fixup.Groups(rules) {
		p, col, err := fixupTarget(mappings, g)
		if err != nil {
			return nil, err
		}
		f := g.NewFixer(keys.resolve, report)
		f.Add(inline)
		if clean[fixupField{g.Entity, col}] {
			out = append(out, f.Counts()...) // the load rewrote every match
			continue
		}
		var pr progress
		if pr.lo, pr.hi, err = b.FixupIDs(ctx, p); err != nil {
			return nil, fmt.Errorf("fix-up %s.%s: %w", g.Entity, g.Field, err)
		}
		err = b.FixupScan(ctx, p, col, g, func(rows []fixup.Row) error {
			keys.done = pr.share(rows)
			changed, err := f.Chunk(ctx, rows)
			if err != nil || len(changed) == 0 {
				return err
			}
			return b.FixupWrite(ctx, p, col, changed)
		})
		if err == nil {
			err = b.FixupFlush(ctx, p, col)
		}
		if err != nil {
			return nil, fmt.Errorf("fix-up %s.%s: %w", g.Entity, g.Field, err)
		}
		out = append(out, f.Counts()...)
	}
	return out, nil
}

// fixupTarget returns the mapping and field index a group rewrites.
func fixupTarget(mappings map[string]*Mapping, g *fixup.Group) (*Mapping, int, error) {
	p := mappings[g.Entity]
	if p == nil {
		return nil, 0, fmt.Errorf("fix-up %s: entity %s is not in the format the import began with", g.Rules[0].Name, g.Entity)
	}
	for i, f := range p.Entity.Fields {
		if f.Name != g.Field {
			continue
		}
		if f.Type != format.String || i == p.KeyIndex {
			return nil, 0, fmt.Errorf("fix-up %s: field %s.%s is not a text field fix-ups may rewrite", g.Rules[0].Name, g.Entity, g.Field)
		}
		return p, i, nil
	}
	return nil, 0, fmt.Errorf("fix-up %s: entity %s has no field %s", g.Rules[0].Name, g.Entity, g.Field)
}

// FixupReady refuses a fix-up on a finished or failed transaction.
func FixupReady(done bool, failed error) error {
	switch {
	case done:
		return errors.New("fix-up: the transaction is already finished")
	case failed != nil:
		return fmt.Errorf("fix-up: an earlier load failed: %w", failed)
	}
	return nil
}

// Literals returns a text per rule that every match of it contains, or
// nil when some rule has none.
func Literals(g *fixup.Group) []string {
	var out []string
	for _, r := range g.Rules {
		l := r.Literal()
		if l == "" {
			return nil
		}
		out = append(out, l)
	}
	return out
}
