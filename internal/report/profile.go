package report

import (
	"cmp"
	"hash/maphash"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Profile limits.
const (
	// MaxDistinct is how many distinct values per column are counted
	// exactly; beyond it the distinct count is reported as ">10000".
	MaxDistinct = 10000
	// TopValues is how many most frequent values a profile lists.
	TopValues = 5
	// keyLimit is the longest value kept whole for Top; a longer one is
	// kept as its first keyLimit bytes and "…". With values counted by
	// hash (see valueSet), it caps a column's memory at about
	// MaxDistinct × 120 bytes.
	keyLimit = 64
)

// ColumnProfile describes one source column.
type ColumnProfile struct {
	Column         string       `json:"column"`
	Filled         int64        `json:"filled"`          // non-blank values
	Total          int64        `json:"total"`           // rows
	Distinct       int          `json:"distinct"`        // distinct non-blank values; MaxDistinct when capped
	DistinctCapped bool         `json:"distinct_capped"` // more than MaxDistinct distinct values: show ">10000"
	Top            []ValueCount `json:"top"`             // up to TopValues most frequent values, most frequent first
	TopRows        int64        `json:"top_rows"`        // rows Top was counted over: Total, or fewer once capped
	Min            string       `json:"min"`             // by number when every non-blank value is a number, else by text
	Max            string       `json:"max"`
	Numeric        bool         `json:"numeric"` // Min and Max were compared as numbers
	MaxLen         int          `json:"max_len"` // longest value, in characters
}

// FillRate is Filled / Total, 0 for an empty column.
func (c ColumnProfile) FillRate() float64 {
	if c.Total == 0 {
		return 0
	}
	return float64(c.Filled) / float64(c.Total)
}

// ValueCount is a value and how many rows hold it. A value longer than 64
// bytes is shown by its first 64 bytes and "…".
type ValueCount struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Profiler accumulates the profile of the source columns, row by row.
//
// Fill rate, min/max and max length are exact over every row. Distinct
// values are counted exactly up to MaxDistinct per column. When a column
// goes beyond that, its value counting stops (that keeps memory capped and
// the hot path cheap on key-like columns): the distinct count is reported
// as capped and Top holds the most frequent values of the rows read until
// then (TopRows says how many). Below the cap, a value already seen costs
// one hash and one table slot, no allocation: min, max, length and number
// parsing are computed once, when a value is first seen. Values are told
// apart by a 64-bit hash (see valueSet).
// Blank values (empty or only spaces and tabs) count as not filled and
// are not values. A Profiler is not safe for concurrent use.
type Profiler struct {
	cols []colStats
	seed maphash.Seed
}

type hashedValue struct {
	h uint64
	v string
}

type colStats struct {
	name          string
	filled, total int64
	set           valueSet
	values        []hashedValue // distinct values in order of appearance, up to MaxDistinct
	capped        bool
	seen          bool // a value was observed: min and max are set
	notNumeric    bool
	numMin        float64
	numMax        float64
	numMinS       []byte
	numMaxS       []byte
	strMin        []byte
	strMax        []byte
	topRows       int64 // rows Top was counted over, once capped
	maxLen        int
}

// NewProfiler profiles the given source columns.
func NewProfiler(columns []string) *Profiler {
	p := &Profiler{cols: make([]colStats, len(columns)), seed: maphash.MakeSeed()}
	for i, c := range columns {
		p.cols[i].name = c
	}
	return p
}

// Add accounts one row. Missing values of a short row count as blank;
// extra values of a long row are ignored.
func (p *Profiler) Add(values []string) {
	for i := range p.cols {
		c := &p.cols[i]
		c.total++
		if i >= len(values) || isBlank(values[i]) {
			continue
		}
		c.filled++
		p.addValue(c, values[i])
	}
}

func (p *Profiler) addValue(c *colStats, v string) {
	if c.capped {
		c.observe(v)
		return
	}
	h := maphash.String(p.seed, v)
	if !c.set.inc(h) {
		return
	}
	c.observe(v)
	if c.set.n > MaxDistinct {
		c.capped, c.topRows = true, c.total-1
		return
	}
	shown := strings.Clone(v)
	if len(v) > keyLimit {
		shown = truncateRunes(v, keyLimit) + "…"
	}
	c.values = append(c.values, hashedValue{h: h, v: shown})
}

// observe accounts a value not seen before for min, max and length. The
// extremes are kept in reused buffers: a rising key column does not
// allocate per row.
func (c *colStats) observe(v string) {
	first := !c.seen
	c.seen = true
	if first || v < string(c.strMin) {
		c.strMin = append(c.strMin[:0], v...)
	}
	if first || v > string(c.strMax) {
		c.strMax = append(c.strMax[:0], v...)
	}
	if len(v) > c.maxLen { // a value has at most as many runes as bytes
		c.maxLen = max(c.maxLen, utf8.RuneCountInString(v))
	}
	if c.notNumeric {
		return
	}
	f, ok := parseNumber(v)
	if !ok {
		c.notNumeric = true
		return
	}
	if first || f < c.numMin {
		c.numMin, c.numMinS = f, append(c.numMinS[:0], v...)
	}
	if first || f > c.numMax {
		c.numMax, c.numMaxS = f, append(c.numMaxS[:0], v...)
	}
}

// Profile returns the profile of every column, in column order.
func (p *Profiler) Profile() []ColumnProfile {
	out := make([]ColumnProfile, len(p.cols))
	for i := range p.cols {
		out[i] = p.cols[i].profile()
	}
	return out
}

func (c *colStats) profile() ColumnProfile {
	cp := ColumnProfile{
		Column: c.name, Filled: c.filled, Total: c.total,
		Distinct: len(c.values), DistinctCapped: c.capped,
		TopRows: c.total, Min: string(c.strMin), Max: string(c.strMax), MaxLen: c.maxLen,
	}
	if c.capped {
		cp.TopRows = c.topRows
	}
	if c.seen && !c.notNumeric {
		cp.Min, cp.Max, cp.Numeric = string(c.numMinS), string(c.numMaxS), true
	}
	top := make([]ValueCount, len(c.values))
	for i, v := range c.values {
		top[i] = ValueCount{Value: v.v, Count: c.set.count(v.h)}
	}
	slices.SortFunc(top, func(a, b ValueCount) int {
		if a.Count != b.Count {
			return cmp.Compare(b.Count, a.Count)
		}
		return strings.Compare(a.Value, b.Value)
	})
	if len(top) > TopValues {
		top = top[:TopValues]
	}
	cp.Top = top
	return cp
}

// isBlank reports whether v is empty or only spaces and tabs.
func isBlank(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] != ' ' && v[i] != '\t' {
			return false
		}
	}
	return true
}

// parseNumber reads a plain decimal number as customers write them: an
// optional sign, digits, grouping by thousands with ' ’ , . or a space
// (one kind per number, groups of three), and a decimal point or comma.
// A lone comma or point is the decimal separator ("1,5" is 1.5); the one
// after a grouping is too ("1.234,50"). Exponents, NaN and Inf are not
// numbers.
func parseNumber(v string) (float64, bool) {
	s := v
	if s != "" && (s[0] == '-' || s[0] == '+') {
		s = s[1:]
	}
	intPart, frac, ok := splitDecimal(s)
	if !ok {
		return 0, false
	}
	digits, ok := ungroup(intPart)
	if !ok || digits == "" && frac == "" || !allDigits(frac) {
		return 0, false
	}
	sign := ""
	if v[0] == '-' {
		sign = "-"
	}
	f, err := strconv.ParseFloat(sign+digits+"."+frac, 64)
	if digits == "" {
		f, err = strconv.ParseFloat(sign+"0."+frac, 64)
	}
	return f, err == nil
}

// splitDecimal splits s at its decimal separator: the last '.' or ',' when
// that character appears only once.
func splitDecimal(s string) (intPart, frac string, ok bool) {
	i := strings.LastIndexAny(s, ".,")
	if i < 0 {
		return s, "", true
	}
	if strings.Count(s, s[i:i+1]) > 1 {
		return s, "", true // 1.234.567: grouping only
	}
	if i == 0 && len(s) == 1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}

// ungroup removes thousands separators from the integer part of a number:
// one kind of separator, groups of exactly three digits after the first.
func ungroup(s string) (string, bool) {
	if allDigits(s) {
		return s, true
	}
	var sep string
	for _, cand := range []string{"'", "’", ",", ".", " ", "\u00a0"} {
		if strings.Contains(s, cand) {
			if sep != "" {
				return "", false
			}
			sep = cand
		}
	}
	if sep == "" {
		return "", false
	}
	groups := strings.Split(s, sep)
	if len(groups[0]) == 0 || len(groups[0]) > 3 || !allDigits(groups[0]) {
		return "", false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !allDigits(g) {
			return "", false
		}
	}
	return strings.Join(groups, ""), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// truncateRunes cuts s to at most n bytes at a character boundary.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
