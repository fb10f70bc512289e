package value

import (
	"fmt"
	"strings"
	"time"
	"unicode"
)

// token is one element of a date layout.
type token uint8

const (
	tokLiteral token = iota
	tokYear4         // YYYY
	tokYear2         // YY
	tokMonth2        // MM
	tokMonth1        // M (1 or 2 digits)
	tokDay2          // DD
	tokDay1          // D
	tokHour2         // HH
	tokHour1         // H
	tokMinute        // mm
	tokSecond        // ss
)

// tokens in the order they are matched against the layout text (longest
// first, so that YYYY wins over YY).
var layoutTokens = []struct {
	text string
	tok  token
}{
	{"YYYY", tokYear4}, {"YY", tokYear2}, {"MM", tokMonth2}, {"M", tokMonth1},
	{"DD", tokDay2}, {"D", tokDay1}, {"HH", tokHour2}, {"H", tokHour1},
	{"mm", tokMinute}, {"ss", tokSecond},
}

type item struct {
	tok token
	lit string // tokLiteral: one character
}

// Layout is a compiled date layout such as "DD.MM.YYYY" or
// "YYYY-MM-DD HH:mm". Tokens: YYYY (4-digit year), YY (2-digit year:
// 00–29 → 20xx, 30–99 → 19xx, as Excel reads them), MM / M (month, 2 or
// 1–2 digits), DD / D (day), HH / H (hour 0–23), mm (minute), ss (second).
// Any other character except a letter is literal; of the letters only T is
// literal (ISO 8601's date/time separator). Parsing is strict: every
// character must match and an impossible date (31.02.1980) is rejected,
// never normalised.
type Layout struct {
	text    string
	items   []item
	hasTime bool
}

// CompileLayout compiles a layout. A layout must contain a year, a month
// and a day exactly once each; minutes need hours and seconds need minutes.
func CompileLayout(s string) (*Layout, error) {
	l := &Layout{text: s}
	seen := map[string]bool{}
	for i := 0; i < len(s); {
		tok, n := matchToken(s[i:])
		if n == 0 {
			r := []rune(s[i:])[0]
			if unicode.IsLetter(r) && r != 'T' {
				return nil, fmt.Errorf("date layout %q: unknown letter %q (use YYYY YY MM M DD D HH H mm ss)", s, r)
			}
			l.items = append(l.items, item{lit: string(r)})
			i += len(string(r))
			continue
		}
		kind := tokenKind(tok)
		if seen[kind] {
			return nil, fmt.Errorf("date layout %q: %s appears twice", s, kind)
		}
		seen[kind] = true
		l.items = append(l.items, item{tok: tok})
		i += n
	}
	return l, l.check(seen)
}

// check verifies that the tokens make a complete date (and time).
func (l *Layout) check(seen map[string]bool) error {
	for _, k := range []string{"year", "month", "day"} {
		if !seen[k] {
			return fmt.Errorf("date layout %q: no %s (use YYYY YY MM M DD D HH H mm ss)", l.text, k)
		}
	}
	if seen["minute"] && !seen["hour"] {
		return fmt.Errorf("date layout %q: minutes without hours", l.text)
	}
	if seen["second"] && !seen["minute"] {
		return fmt.Errorf("date layout %q: seconds without minutes", l.text)
	}
	l.hasTime = seen["hour"]
	return nil
}

func matchToken(s string) (token, int) {
	for _, t := range layoutTokens {
		if strings.HasPrefix(s, t.text) {
			return t.tok, len(t.text)
		}
	}
	return tokLiteral, 0
}

func tokenKind(t token) string {
	switch t {
	case tokYear4, tokYear2:
		return "year"
	case tokMonth2, tokMonth1:
		return "month"
	case tokDay2, tokDay1:
		return "day"
	case tokHour2, tokHour1:
		return "hour"
	case tokMinute:
		return "minute"
	}
	return "second"
}

// String returns the layout as written.
func (l *Layout) String() string { return l.text }

// HasTime reports whether the layout has hours.
func (l *Layout) HasTime() bool { return l.hasTime }

// Parse parses s strictly in loc (nil: UTC). ok is false when s does not
// fit the layout or names an impossible date or time.
func (l *Layout) Parse(s string, loc *time.Location) (t time.Time, ok bool) {
	var f [6]int // year, month, day, hour, minute, second
	pos := 0
	for _, it := range l.items {
		if it.tok == tokLiteral {
			if !strings.HasPrefix(s[pos:], it.lit) {
				return time.Time{}, false
			}
			pos += len(it.lit)
			continue
		}
		v, n := digits(s[pos:], it.tok)
		if n == 0 {
			return time.Time{}, false
		}
		pos += n
		setField(&f, it.tok, v)
	}
	if pos != len(s) {
		return time.Time{}, false
	}
	return makeTime(f, loc)
}

// digits reads the digits a token wants: exactly 4 or 2, or 1 to 2.
func digits(s string, t token) (v, n int) {
	minN, maxN := 2, 2
	switch t {
	case tokYear4:
		minN, maxN = 4, 4
	case tokMonth1, tokDay1, tokHour1:
		minN = 1
	}
	for n < maxN && n < len(s) && s[n] >= '0' && s[n] <= '9' {
		v = v*10 + int(s[n]-'0')
		n++
	}
	if n < minN {
		return 0, 0
	}
	return v, n
}

func setField(f *[6]int, t token, v int) {
	switch t {
	case tokYear4:
		f[0] = v
	case tokYear2:
		f[0] = 1900 + v
		if v < 30 {
			f[0] = 2000 + v
		}
	case tokMonth2, tokMonth1:
		f[1] = v
	case tokDay2, tokDay1:
		f[2] = v
	case tokHour2, tokHour1:
		f[3] = v
	case tokMinute:
		f[4] = v
	case tokSecond:
		f[5] = v
	}
}

func makeTime(f [6]int, loc *time.Location) (time.Time, bool) {
	y, m, d := f[0], f[1], f[2]
	if y < 1 || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) || f[3] > 23 || f[4] > 59 || f[5] > 59 {
		return time.Time{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	return time.Date(y, time.Month(m), d, f[3], f[4], f[5], 0, loc), true
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// ParseDate parses s with the first of layouts that fits and returns the
// date (UTC) and the layout that matched. An empty s returns the zero time,
// "" and no error. A bad layout is a configuration error (not *Error); a
// value that fits no layout is an *Error with Rule "date".
func ParseDate(s string, layouts ...string) (time.Time, string, error) {
	ls := make([]*Layout, len(layouts))
	for i, text := range layouts {
		l, err := CompileLayout(text)
		if err != nil {
			return time.Time{}, "", err
		}
		ls[i] = l
	}
	t, l, err := MatchDate(s, ls)
	if l == nil {
		return t, "", err
	}
	return t, l.text, err
}

// MatchDate is ParseDate with compiled layouts, in UTC. It returns the
// matching layout, nil for an empty s.
func MatchDate(s string, layouts []*Layout) (time.Time, *Layout, error) {
	return match(s, layouts, nil, "date", "date")
}

// MatchDateTime parses a date and time with the first fitting layout in loc
// (nil: UTC); the error's Rule is "datetime".
func MatchDateTime(s string, layouts []*Layout, loc *time.Location) (time.Time, *Layout, error) {
	return match(s, layouts, loc, "datetime", "date and time")
}

func match(s string, layouts []*Layout, loc *time.Location, rule, what string) (time.Time, *Layout, error) {
	if s == "" {
		return time.Time{}, nil, nil
	}
	for _, l := range layouts {
		if t, ok := l.Parse(s, loc); ok {
			return t, l, nil
		}
	}
	names := make([]string, len(layouts))
	for i, l := range layouts {
		names[i] = l.text
	}
	return time.Time{}, nil, fail(rule, s, "is not a valid %s (%s)", what, strings.Join(names, " or "))
}

// FormatDate returns t's date as YYYY-MM-DD, faster than t.Format.
func FormatDate(t time.Time) string {
	y, m, d := t.Date()
	if y < 0 || y > 9999 {
		return t.Format(time.DateOnly)
	}
	b := [10]byte{byte('0' + y/1000), byte('0' + y/100%10), byte('0' + y/10%10), byte('0' + y%10), '-',
		byte('0' + int(m)/10), byte('0' + int(m)%10), '-', byte('0' + d/10), byte('0' + d%10)}
	return string(b[:])
}
