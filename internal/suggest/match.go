package suggest

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/handover/handover/internal/format"
)

// Weights of the name and the content in a match's score, and the least
// score a match needs.
const (
	nameWeight    = 0.65
	contentWeight = 0.35
	minScore      = 0.3
)

// match is a field paired with a column, with the score and why.
type match struct {
	field    int // index in the entity's fields
	col      int // index in the profiles
	score    float64
	evidence []string
}

// fieldNames are the names a column for the field commonly has.
func fieldNames(v *vocab, e *format.Entity, f *format.Field) []string {
	out := []string{f.Name, f.Column}
	out = append(out, v.fieldSynonyms(f.Name)...)
	switch {
	case f.Type == format.Ref:
		out = append(out, v.refCandidates(f.Name, f.Entity)...)
	case f.Name == e.Key:
		out = append(out, v.fieldSynonyms("external_id")...)
		out = append(out, v.refCandidates(e.Name, e.Name)...)
	}
	return out
}

// bestName scores a column's name against the field's names and says
// why it fits.
func bestName(col name, field string, cands []name, weak map[string]bool) (float64, string) {
	best, why := 0.0, ""
	for _, c := range cands {
		if s, w := nameScore(col, c, weak); s > best {
			best, why = s, w
		}
	}
	switch {
	case best == 0:
		return 0, ""
	case best == 1 && col.joined == newName(field).joined:
		return 1, "the field's own name"
	case best == 1:
		return 1, "a usual name for " + field
	}
	return best, why + ", a name for " + field
}

// assign pairs fields with columns: every pair scored, then the best pairs
// taken first, each field and each column at most once.
func assign(v *vocab, e *format.Entity, profiles []*profile) []match {
	cols := make([]name, len(profiles))
	for i, p := range profiles {
		cols[i] = newName(p.name)
	}
	var all []match
	for fi, f := range e.Fields {
		var cands []name
		for _, s := range fieldNames(v, e, f) {
			cands = append(cands, newName(s))
		}
		for ci, p := range profiles {
			if m, ok := scorePair(v, e, f, p, cols[ci], cands); ok {
				m.field, m.col = fi, ci
				all = append(all, m)
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score > all[j].score })
	usedF, usedC := map[int]bool{}, map[int]bool{}
	var out []match
	for _, m := range all {
		if !usedF[m.field] && !usedC[m.col] {
			usedF[m.field], usedC[m.col] = true, true
			out = append(out, m)
		}
	}
	return out
}

// scorePair scores one field against one column: by name, and by what
// the values look like. A column whose name says nothing is only taken for
// a field whose values are unmistakable (e-mail, phone, date).
func scorePair(v *vocab, e *format.Entity, f *format.Field, p *profile, col name, cands []name) (match, bool) {
	ns, why := bestName(col, f.Name, cands, v.weak)
	cs, what := content(v, e, f, p)
	if ns == 0 && !distinctive(f.Type) {
		return match{}, false
	}
	m := match{score: nameWeight*ns + contentWeight*cs}
	if m.score < minScore {
		return match{}, false
	}
	if ns > 0 {
		m.evidence = append(m.evidence, fmt.Sprintf("name %s: %s", strconv.Quote(p.name), why))
	}
	if what != "" {
		m.evidence = append(m.evidence, what)
	}
	return m, true
}

// distinctive types are recognised by their values alone.
func distinctive(t format.Type) bool {
	return t == format.Email || t == format.Phone || t == format.Date || t == format.Datetime
}

// content says how well the column's values fit the field, 0 to 1, and why.
func content(v *vocab, e *format.Entity, f *format.Field, p *profile) (float64, string) {
	if p.filled == 0 {
		return 0, "the column is empty in the sample"
	}
	of := fmt.Sprintf(" of %d values", p.filled)
	switch f.Type {
	case format.Email:
		return p.email, percent(p.email) + of + " are e-mail addresses"
	case format.Phone:
		return p.phone, percent(p.phone) + of + " are phone numbers"
	case format.Date:
		fit := bestDateFit(p, false)
		return fit.share, percent(fit.share) + of + " are dates " + layoutList(fit.layouts)
	case format.Datetime:
		fit := bestDateFit(p, true)
		return fit.share, percent(fit.share) + of + " are dates " + layoutList(fit.layouts)
	case format.Country:
		return p.country, percent(p.country) + of + " are countries"
	case format.Int:
		return p.number.integer, percent(p.number.integer) + of + " are whole numbers"
	case format.Decimal:
		return p.number.share, percent(p.number.share) + of + " are numbers"
	case format.Bool:
		return p.boolean, percent(p.boolean) + of + " are yes/no values"
	case format.Enum:
		return enumContent(v, f, p)
	case format.Ref:
		return 0.6 * p.idLike, ""
	}
	if f.Name == e.Key {
		if p.unique {
			return 1, "every value is filled and unique, as a key's are"
		}
		return float64(len(p.order)) / float64(p.rows), fmt.Sprintf("%d distinct values in %d rows", len(p.order), p.rows)
	}
	if max(p.email, p.phone, p.date.share, p.datetime.share) >= 0.8 {
		return 0.1, "the values look like another type"
	}
	return 0.5, ""
}

// bestDateFit is the date fit of a date field (date layouts, or date and
// time layouts when those read more) or of a date-time field.
func bestDateFit(p *profile, withTime bool) dateFit {
	if withTime {
		if p.datetime.share >= p.date.share {
			return p.datetime
		}
		return p.date
	}
	if p.datetime.share > p.date.share {
		return p.datetime
	}
	return p.date
}

func layoutList(layouts []string) string {
	if len(layouts) == 0 {
		return ""
	}
	s := ""
	for i, l := range layouts {
		if i > 0 {
			s += " or "
		}
		s += l
	}
	return "(" + s + ")"
}

// enumContent is the share of rows whose value stands for an allowed
// value; a column with few distinct values scores as a likely list.
func enumContent(v *vocab, f *format.Field, p *profile) (float64, string) {
	n := 0
	for _, val := range p.order {
		if v.enumMatch(p.names[val], f.Values) != "" {
			n += p.counts[val]
		}
	}
	share := float64(n) / float64(p.filled)
	what := fmt.Sprintf("%s of %d values stand for allowed values; %d distinct values", percent(share), p.filled, len(p.order))
	if len(p.order) <= 30 && len(p.order)*3 <= p.filled {
		share = max(share, 0.4)
	}
	return share, what
}
