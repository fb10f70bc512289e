package suggest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/value"
)

// dateFit is how well the values read as dates: the layouts that read
// them (most values first), the share of filled rows they read, and a note
// on how day-first and month-first were told apart.
type dateFit struct {
	share     float64
	layouts   []string
	note      string
	ambiguous bool // no value told day and month apart
}

// dateLayouts are the date layouts tried, day-first (European) before
// month-first, two-digit before one-digit: earlier wins a tie.
func dateLayouts() []string {
	return []string{"DD.MM.YYYY", "D.M.YYYY", "DD.MM.YY", "D.M.YY", "DD/MM/YYYY", "MM/DD/YYYY",
		"D/M/YYYY", "M/D/YYYY", "DD/MM/YY", "MM/DD/YY", "YYYY-MM-DD", "DD-MM-YYYY", "MM-DD-YYYY",
		"YYYY/MM/DD", "YYYY.MM.DD"}
}

// datetimeLayouts are the date-and-time layouts tried.
func datetimeLayouts() []string {
	out := []string{"YYYY-MM-DD HH:mm:ss", "YYYY-MM-DDTHH:mm:ss", "YYYY-MM-DD HH:mm", "YYYY-MM-DDTHH:mm"}
	for _, d := range []string{"DD.MM.YYYY", "D.M.YYYY", "DD/MM/YYYY", "MM/DD/YYYY", "D/M/YYYY", "M/D/YYYY", "DD-MM-YYYY"} {
		for _, t := range []string{" HH:mm", " HH:mm:ss", " H:mm", " H:mm:ss"} {
			out = append(out, d+t)
		}
	}
	return out
}

// swapDayMonth turns a day-first layout into the month-first one and back.
func swapDayMonth(layout string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case 'D':
			return 'M'
		case 'M':
			return 'D'
		}
		return r
	}, layout)
}

// fitDates finds the layouts that read the column's values: the one that
// reads most, then others for the values left (a column may mix date cells
// and typed dates), never both a layout and its day/month swap.
func fitDates(p *profile, layouts []string) dateFit {
	if p.filled == 0 {
		return dateFit{}
	}
	reads := make(map[string]map[string]bool, len(layouts)) // layout → values it reads
	count := map[string]int{}
	for _, text := range layouts {
		l, err := value.CompileLayout(text)
		if err != nil {
			continue
		}
		reads[text] = map[string]bool{}
		for _, v := range p.order {
			if _, ok := l.Parse(v, nil); ok {
				reads[text][v] = true
				count[text] += p.counts[v]
			}
		}
	}
	covered := map[string]bool{}
	var fit dateFit
	for len(fit.layouts) < 3 {
		best, gain := "", 0
		for _, text := range layouts {
			if contains(fit.layouts, text) || contains(fit.layouts, swapDayMonth(text)) {
				continue
			}
			g := 0
			for v := range reads[text] {
				if !covered[v] {
					g += p.counts[v]
				}
			}
			if g > gain {
				best, gain = text, g
			}
		}
		if best == "" || len(fit.layouts) > 0 && gain*100 < p.filled {
			break
		}
		fit.layouts = append(fit.layouts, best)
		for v := range reads[best] {
			covered[v] = true
		}
	}
	n := 0
	for v := range covered {
		n += p.counts[v]
	}
	fit.share = float64(n) / float64(p.filled)
	if len(fit.layouts) > 0 {
		fit.note, fit.ambiguous = dayMonthNote(p, fit.layouts[0], reads, count)
	}
	return fit
}

// dayMonthNote explains how a layout was preferred over its day/month
// swap: a value that only it reads, or none (then day-first is assumed).
func dayMonthNote(p *profile, best string, reads map[string]map[string]bool, count map[string]int) (string, bool) {
	swap := swapDayMonth(best)
	if swap == best || count[swap] == 0 {
		return "", false
	}
	if count[swap] >= count[best] {
		return fmt.Sprintf("no value has a day above 12, so %s and %s both fit: %s assumed, check it", best, swap, best), true
	}
	for _, v := range p.order {
		if reads[best][v] && !reads[swap][v] {
			return fmt.Sprintf("%s only fits %s (not %s): a day or month above 12 decides", strconv.Quote(v), best, swap), false
		}
	}
	return "", false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
