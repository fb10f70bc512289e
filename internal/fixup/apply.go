package fixup

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Resolver returns the target ids of those of keys that entity holds.
type Resolver func(ctx context.Context, entity string, keys []string) (map[string]int64, error)

// Fixer applies one group's rules to chunks of rows, resolving the keys
// a chunk captures in one call of the Resolver per rule, and adds up the
// counts.
type Fixer struct {
	g       *Group
	resolve Resolver
	report  func(Unresolved) error
	counts  []Counts
	pending []Counts // Inline's counts until Keep
	// the first rule's matches in the text of the last Inline (memo.go)
	first      [][]int
	firstKnown bool
	memoLocs   [][]int
	memoInts   []int
	memoBuf    []byte
	// reused between rows
	buf    []byte
	done   []string
	groups []string
}

// NewFixer prepares a pass of g. report receives every match left
// unresolved; it may be nil.
func (g *Group) NewFixer(resolve Resolver, report func(Unresolved) error) *Fixer {
	f := &Fixer{g: g, resolve: resolve, report: report}
	for _, r := range g.Rules {
		f.counts = append(f.counts, Counts{Rule: r.Name, Entity: g.Entity, Field: g.Field})
	}
	return f
}

// Counts returns what the pass did so far, per rule.
func (f *Fixer) Counts() []Counts { return append([]Counts(nil), f.counts...) }

// Chunk applies the rules to rows in place and returns those whose text
// changed (a prefix of rows, reordered), with their new text.
func (f *Fixer) Chunk(ctx context.Context, rows []Row) ([]Row, error) {
	orig := make([]string, len(rows))
	for i := range rows {
		orig[i] = rows[i].Text
	}
	for ri, r := range f.g.Rules {
		if err := f.applyRule(ctx, ri, r, rows); err != nil {
			return nil, err
		}
	}
	n := 0
	for i := range rows {
		if rows[i].Text != orig[i] {
			rows[n], rows[i] = rows[i], rows[n]
			n++
		}
	}
	return rows[:n], nil
}

// hits are one row's matches: FindAllStringSubmatchIndex's result.
type hits struct {
	row  int
	locs [][]int
}

func (f *Fixer) applyRule(ctx context.Context, ri int, r *Rule, rows []Row) error {
	var found []hits
	var keys []string
	for i := range rows {
		t := rows[i].Text
		if r.literal != "" && !strings.Contains(t, r.literal) {
			continue
		}
		locs := r.findAll(t)
		if locs == nil {
			continue
		}
		found = append(found, hits{row: i, locs: locs})
		if r.Entity != "" {
			for _, l := range locs {
				if l[2] >= 0 && l[3] > l[2] {
					keys = append(keys, t[l[2]:l[3]])
				}
			}
		}
	}
	ids, err := f.lookup(ctx, r.Entity, keys)
	if err != nil {
		return err
	}
	for _, h := range found {
		if err := f.rewrite(ri, r, &rows[h.row], h.locs, ids); err != nil {
			return err
		}
	}
	return nil
}

// rewrite replaces one row's matches and counts them; when the field
// cannot hold the result the row keeps its text and every replacement
// becomes an unresolved match.
func (f *Fixer) rewrite(ri int, r *Rule, row *Row, locs [][]int, ids map[string]int64) error {
	c := &f.counts[ri]
	out, done, err := f.render(r, row.Text, locs, c, func(key string) (int64, bool) {
		id, ok := ids[key]
		return id, ok
	}, func(match, key string) error {
		c.Unresolved++
		return f.unresolved(r, row, match, notFound(r.Entity, key))
	})
	if err != nil || len(done) == 0 {
		return err
	}
	if out == row.Text {
		c.Rewritten += int64(len(done))
		return nil
	}
	if why := f.g.fits(out); why != "" {
		c.Unresolved += int64(len(done))
		for _, m := range done {
			if err := f.unresolved(r, row, m, why); err != nil {
				return err
			}
		}
		return nil
	}
	c.Rewritten += int64(len(done))
	c.Rows++
	row.Text = out
	return nil
}

// render replaces the matches locs of r in t whose key look resolves
// (every match when r has no lookup) and returns the new text and the
// matches replaced; miss receives the others with the key they captured. It counts
// the matches, and a replacement r finds again, in c.
func (f *Fixer) render(r *Rule, t string, locs [][]int, c *Counts, look func(key string) (int64, bool), miss func(match, key string) error) (string, []string, error) {
	out := f.buf[:0]
	done := f.done[:0] // the matches replaced
	groups := f.groups[:0]
	for range r.re.NumSubexp() + 1 {
		groups = append(groups, "")
	}
	last := 0
	for _, l := range locs {
		c.Matches++
		for g := range groups {
			groups[g] = ""
			if l[2*g] >= 0 {
				groups[g] = t[l[2*g]:l[2*g+1]]
			}
		}
		var id int64
		if r.Entity != "" {
			tid, ok := look(groups[1])
			if !ok || groups[1] == "" {
				if err := miss(groups[0], groups[1]); err != nil {
					f.buf, f.done, f.groups = out, done, groups
					return t, nil, err
				}
				continue
			}
			id = tid
		}
		out = append(out, t[last:l[0]]...)
		start := len(out)
		out = appendRender(out, r.tmpl, groups, id, groups[1%len(groups)])
		if c.Again == "" && (r.literal == "" || bytes.Contains(out[start:], []byte(r.literal))) && r.re.Match(out[start:]) {
			c.Again = string(out[start:])
		}
		last = l[1]
		done = append(done, groups[0])
	}
	f.buf, f.done, f.groups = out, done, groups
	if len(done) == 0 {
		return t, nil, nil
	}
	out = append(out, t[last:]...)
	f.buf = out
	if string(out) == t {
		return t, done, nil
	}
	return string(out), done, nil
}

func notFound(entity, key string) string {
	if key == "" {
		return "the match captured no key of " + entity
	}
	return fmt.Sprintf("no %s row has the key %q", entity, key)
}

func (f *Fixer) unresolved(r *Rule, row *Row, match, reason string) error {
	if f.report == nil {
		return nil
	}
	return f.report(Unresolved{Rule: r.Name, Entity: f.g.Entity, Key: row.Key, Field: f.g.Field, Text: match, Reason: reason})
}

// lookup resolves the distinct keys of entity.
func (f *Fixer) lookup(ctx context.Context, entity string, keys []string) (map[string]int64, error) {
	if entity == "" || len(keys) == 0 {
		return nil, nil
	}
	slices.Sort(keys)
	ids, err := f.resolve(ctx, entity, slices.Compact(keys))
	if err != nil {
		return nil, fmt.Errorf("resolve keys of %s: %w", entity, err)
	}
	return ids, nil
}

func itoa(n int) string { return strconv.Itoa(n) }
