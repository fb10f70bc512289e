package suggest

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/value"
)

// profile is what the sampled rows tell about one source column.
type profile struct {
	name   string
	index  int
	rows   int             // rows sampled
	filled int             // non-empty values (after trimming)
	counts map[string]int  // distinct trimmed values → rows
	names  map[string]name // distinct values as names, for list matching
	order  []string        // distinct values, first seen first
	padded bool            // some value has white space around it

	email, phone, country, boolean, idLike float64 // share of filled rows
	number                                 numberFit
	date, datetime                         dateFit
	unique                                 bool // every row filled, no value twice
}

// numberFit is how well the values read as numbers.
type numberFit struct {
	share   float64 // of filled rows that are numbers in locale
	locale  string  // "" for plain numbers (1234.50)
	integer float64 // share of filled rows that are whole numbers
	example string  // a value that shows the locale
}

// numberLocales are tried in this order; "" is a plain number.
func numberLocales() []string { return []string{"", "de-CH", "fr-CH", "de-DE", "en-US"} }

// newProfile analyses the sampled values of one column.
func newProfile(column string, index int, values []string, phones *value.PhoneParser) *profile {
	p := &profile{name: column, index: index, rows: len(values), counts: map[string]int{}, names: map[string]name{}}
	for _, raw := range values {
		v := strings.TrimSpace(raw)
		if v == "" {
			continue
		}
		p.padded = p.padded || v != raw
		p.filled++
		if p.counts[v] == 0 {
			p.order = append(p.order, v)
			p.names[v] = newName(v)
		}
		p.counts[v]++
	}
	p.unique = p.filled == p.rows && len(p.order) == p.filled && p.rows > 0
	p.email = p.share(func(v string) bool { _, err := value.Email(v); return err == nil })
	p.phone = p.share(func(v string) bool { return looksPhone(v) && parses(phones, v) })
	p.country = p.share(func(v string) bool { _, err := value.Country(v); return err == nil })
	p.boolean = p.share(func(v string) bool { _, err := value.Bool(v); return err == nil })
	p.idLike = p.share(func(v string) bool { return !strings.ContainsAny(v, " \t") && len(v) <= 40 })
	p.number = p.numbers()
	p.date = fitDates(p, dateLayouts())
	p.datetime = fitDates(p, datetimeLayouts())
	return p
}

// share is the part of the filled rows whose value satisfies ok.
func (p *profile) share(ok func(string) bool) float64 {
	if p.filled == 0 {
		return 0
	}
	n := 0
	for _, v := range p.order {
		if ok(v) {
			n += p.counts[v]
		}
	}
	return float64(n) / float64(p.filled)
}

// numbers finds the number locale that reads most values; plain numbers
// win a tie.
func (p *profile) numbers() numberFit {
	var best numberFit
	for _, loc := range numberLocales() {
		f := numberFit{locale: loc}
		f.share = p.share(func(v string) bool { _, ok := parseNumber(v, loc); return ok })
		f.integer = p.share(func(v string) bool { s, ok := parseNumber(v, loc); return ok && !strings.Contains(s, ".") })
		if f.share > best.share {
			best = f
		}
	}
	if best.locale != "" {
		for _, v := range p.order {
			if _, plain := parseNumber(v, ""); !plain {
				if _, ok := parseNumber(v, best.locale); ok {
					best.example = v
					break
				}
			}
		}
	}
	return best
}

func parseNumber(v, locale string) (string, bool) {
	if locale == "" {
		s, err := value.Decimal(v, -1)
		return s, err == nil
	}
	s, err := value.ParseNumber(v, locale)
	return s, err == nil
}

// looksPhone keeps values that may be phone numbers: digits with the usual
// separators, 7 to 15 digits, so that the parser does not see every text.
func looksPhone(v string) bool {
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, strings.ContainsRune(" -./()", r):
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 15
}

func parses(p *value.PhoneParser, v string) bool {
	_, err := p.Parse(v)
	return err == nil
}

// examples quotes up to n distinct values, most frequent first.
func (p *profile) examples(n int) string {
	top := append([]string(nil), p.order...)
	sort.SliceStable(top, func(i, j int) bool { return p.counts[top[i]] > p.counts[top[j]] })
	if len(top) > n {
		top = top[:n]
	}
	q := make([]string, len(top))
	for i, v := range top {
		q[i] = strconv.Quote(cutText(v, 30))
	}
	return strings.Join(q, ", ")
}

func cutText(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func percent(f float64) string { return fmt.Sprintf("%.0f %%", 100*f) }
