package report

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

func TestProfiler(t *testing.T) {
	p := NewProfiler([]string{"ID", "Name", "Amount", "Empty", "Mixed"})
	rows := [][]string{
		{"1", "Meier", "10.5", "", "7"},
		{"2", "Müller", "-3", " ", "x"},
		{"3", "Meier", "100", "", "7"},
		{"4", "Abächerli", "9", ""},           // short row: Mixed missing
		{"5", "Meier", "", "", "10", "extra"}, // long row: extra ignored
		{"6", "müller", "+2.25", "", "9"},
	}
	for _, r := range rows {
		p.Add(r)
	}
	got := p.Profile()
	want := []ColumnProfile{
		{Column: "ID", Filled: 6, Total: 6, TopRows: 6, Distinct: 6, Min: "1", Max: "6", Numeric: true, MaxLen: 1,
			Top: []ValueCount{{"1", 1}, {"2", 1}, {"3", 1}, {"4", 1}, {"5", 1}}},
		{Column: "Name", Filled: 6, Total: 6, TopRows: 6, Distinct: 4, Min: "Abächerli", Max: "müller", MaxLen: 9,
			Top: []ValueCount{{"Meier", 3}, {"Abächerli", 1}, {"Müller", 1}, {"müller", 1}}},
		{Column: "Amount", Filled: 5, Total: 6, TopRows: 6, Distinct: 5, Min: "-3", Max: "100", Numeric: true, MaxLen: 5,
			Top: []ValueCount{{"+2.25", 1}, {"-3", 1}, {"10.5", 1}, {"100", 1}, {"9", 1}}},
		{Column: "Empty", Filled: 0, Total: 6, TopRows: 6, Top: []ValueCount{}},
		{Column: "Mixed", Filled: 5, Total: 6, TopRows: 6, Distinct: 4, Min: "10", Max: "x", MaxLen: 2,
			Top: []ValueCount{{"7", 2}, {"10", 1}, {"9", 1}, {"x", 1}}},
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("column %s:\n got %+v\nwant %+v", want[i].Column, got[i], want[i])
		}
	}
	if r := got[2].FillRate(); r < 0.83 || r > 0.84 {
		t.Errorf("Amount fill rate = %v, want 5/6", r)
	}
}

func TestProfilerCapsDistinct(t *testing.T) {
	p := NewProfiler([]string{"id"})
	for i := range MaxDistinct + 500 {
		p.Add([]string{fmt.Sprint(i)})
	}
	p.Add([]string{"7"}) // counting stops at the cap
	cp := p.Profile()[0]
	if !cp.DistinctCapped || cp.Distinct != MaxDistinct {
		t.Errorf("distinct = %d capped %v, want %d capped", cp.Distinct, cp.DistinctCapped, MaxDistinct)
	}
	if cp.Top[0] != (ValueCount{"0", 1}) || cp.TopRows != MaxDistinct || cp.Total != MaxDistinct+501 {
		t.Errorf("top = %v over %d of %d rows, want 0 once over the first %d", cp.Top[0], cp.TopRows, cp.Total, MaxDistinct)
	}
	// min/max stay exact beyond the cap.
	if cp.Min != "0" || cp.Max != fmt.Sprint(MaxDistinct+499) || !cp.Numeric {
		t.Errorf("min/max = %s/%s numeric %v", cp.Min, cp.Max, cp.Numeric)
	}
}

func TestProfilerLongValues(t *testing.T) {
	long := strings.Repeat("ä", 40) // 80 bytes
	a, b := long+"A", long+"B"      // same key prefix, different values
	p := NewProfiler([]string{"notes"})
	for _, v := range []string{a, b, a, strings.Repeat("x", keyLimit)} {
		p.Add([]string{v})
	}
	cp := p.Profile()[0]
	if cp.Distinct != 3 {
		t.Errorf("distinct = %d, want 3", cp.Distinct)
	}
	if cp.Top[0].Count != 2 || !strings.HasSuffix(cp.Top[0].Value, "…") || len(cp.Top[0].Value) > keyLimit+3 {
		t.Errorf("top = %+v, want a shortened value counted twice", cp.Top[0])
	}
	if cp.MaxLen != keyLimit || cp.Max != b || cp.Min != strings.Repeat("x", keyLimit) {
		t.Errorf("maxlen %d max %q", cp.MaxLen, cp.Max)
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"12", true}, {"-12.5", true}, {"+3", true}, {".5", true}, {"1.", true},
		{"", false}, {"-", false}, {".", false}, {"1e5", false}, {"NaN", false},
		{"Inf", false}, {"0x10", false}, {"1.2.3", false}, {" 1", false}, {"1'00", false}, {"1'000'0", false},
		{"1'000.50,3", false}, {"1,000'000", false}, {"--1", false}, {"1 000 x", false},
	}
	for _, tt := range tests {
		if _, ok := parseNumber(tt.in); ok != tt.ok {
			t.Errorf("parseNumber(%q) ok = %v, want %v", tt.in, ok, tt.ok)
		}
	}
}

// TestParseGroupedNumber: numbers as customers write them, with grouping
// and a decimal comma, are numbers.
func TestParseGroupedNumber(t *testing.T) {
	for in, want := range map[string]float64{"2'000.00": 2000, "1'000": 1000, "1’234’567.5": 1234567.5, "1,5": 1.5,
		"999,99": 999.99, "1.234,50": 1234.5, "1,234,567": 1234567, "1 234": 1234, "-1'500.25": -1500.25, "1.234.567": 1234567} {
		if got, ok := parseNumber(in); !ok || got != want {
			t.Errorf("parseNumber(%q) = %v, %v, want %v", in, got, ok, want)
		}
	}
}

// TestProfileOrdersNumbersAsNumbers: 2'000.00 is more than 99.99.
func TestProfileOrdersNumbersAsNumbers(t *testing.T) {
	p := NewProfiler([]string{"Betrag"})
	for _, v := range []string{"99.99", "2'000.00", "150", "1'500.50"} {
		p.Add([]string{v})
	}
	c := p.Profile()[0]
	if !c.Numeric || c.Min != "99.99" || c.Max != "2'000.00" {
		t.Errorf("min %q max %q numeric %v, want 99.99, 2'000.00, numeric", c.Min, c.Max, c.Numeric)
	}
}

// benchRows is a 20-column table shaped like a contacts export: unique
// keys, names, low-cardinality codes, dates, amounts, sparse notes. As
// encoding/csv does, a row's values are slices of one string.
func benchRows(n int) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = oneString([]string{
			fmt.Sprintf("K%06d", i),              // unique id
			fmt.Sprintf("Name%d", i%2000),        // last name
			fmt.Sprintf("First%d", i%300),        // first name
			fmt.Sprintf("user%d@example.com", i), // unique email
			fmt.Sprintf("+41 44 %03d %02d %02d", i%1000, i%97, i%89),
			fmt.Sprintf("%02d.%02d.%d", i%28+1, i%12+1, 1940+i%60),
			[]string{"VIP", "REGULAR", "PRESS"}[i%3],
			[]string{"CH", "DE", "AT", "FR", "IT"}[i%5],
			fmt.Sprintf("City%d", i%800),
			fmt.Sprint(1000 + i%3000),
			fmt.Sprintf("Street %d", i%5000),
			[]string{"aktiv", "gelöscht"}[i%7/6],
			fmt.Sprintf("%d.%02d", i%5000, i%100),
			fmt.Sprintf("2024-%02d-%02d", i%12+1, i%28+1),
			"",
			[]string{"ja", "nein"}[i%2],
			[]string{"", "", "", "Kunde seit langem, bitte Rückruf vor dem nächsten Besuch vereinbaren"}[i%4],
			fmt.Sprint(i % 50),
			[]string{"de", "fr", "it"}[i%3],
			fmt.Sprintf("F%04d", i%1500),
		})
	}
	return rows
}

// oneString returns values as slices of a single string.
func oneString(values []string) []string {
	line := strings.Join(values, "")
	out := make([]string, len(values))
	at := 0
	for i, v := range values {
		out[i] = line[at : at+len(v)]
		at += len(v)
	}
	return out
}

// BenchmarkProfilerAdd measures one 20-column row per op (ns/op = ns/row);
// cpu-ns/op is the process's CPU time (user + system) a row, which on a
// machine others load varies much less than the wall time.
func BenchmarkProfilerAdd(b *testing.B) {
	rows := benchRows(50000)
	p := NewProfiler(make([]string, 20))
	b.ReportAllocs()
	cpu := cpuTime()
	for i := 0; b.Loop(); i++ {
		p.Add(rows[i%len(rows)])
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user + system time so far, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func TestProfilerAddDoesNotAllocate(t *testing.T) {
	rows := benchRows(100)
	p := NewProfiler(make([]string, 20))
	for _, r := range rows {
		p.Add(r)
	}
	allocs := testing.AllocsPerRun(100, func() {
		for _, r := range rows {
			p.Add(r)
		}
	})
	if allocs != 0 {
		t.Errorf("Add of known values allocates %v times per 100 rows", allocs)
	}
}

// MaxLen counts runes, not bytes: a value with more bytes than the longest
// so far but fewer runes does not raise it, one with more runes does.
func TestProfilerMaxLenCountsRunes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", "7", "ä", "é", "€", "𝄞"}
	p := NewProfiler([]string{"v"})
	want := 0
	for range 5000 {
		var b strings.Builder
		n := 1 + rng.IntN(12)
		for range n {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		p.Add([]string{b.String()})
		want = max(want, n)
	}
	p.Add([]string{"ääääääääääääää"})          // 14 runes, 28 bytes
	p.Add([]string{"abcdefghijklmnopqrstuvw"}) // 23 runes and bytes
	p.Add([]string{"€€€€€€€€€€€€€€€€€€€€"})    // 20 runes, 60 bytes
	if want = max(want, 23); p.Profile()[0].MaxLen != want {
		t.Errorf("MaxLen %d, want %d", p.Profile()[0].MaxLen, want)
	}
}
