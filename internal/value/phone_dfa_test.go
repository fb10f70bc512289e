package value

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestDigitDFAAgreesWithRegexp checks the DFA against the regexp package on
// every pattern of every region's numbering plan, with the plan's example
// numbers, their prefixes and extensions, and random digit strings.
func TestDigitDFAAgreesWithRegexp(t *testing.T) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	built, patterns := 0, 0
	for _, md := range coll.GetMetadata() {
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(),
			md.GetTollFree(), md.GetPremiumRate(), md.GetSharedCost(), md.GetVoip(), md.GetPersonalNumber(),
			md.GetPager(), md.GetUan(), md.GetVoicemail()} {
			if d.GetNationalNumberPattern() == "" {
				continue
			}
			pattern := "^(?:" + d.GetNationalNumberPattern() + ")$"
			patterns++
			dfa := newDigitDFA(pattern)
			if dfa == nil {
				continue
			}
			built++
			re := regexp.MustCompile(pattern)
			inputs := []string{"", "0", d.GetExampleNumber()}
			if ex := d.GetExampleNumber(); ex != "" {
				for i := range ex {
					inputs = append(inputs, ex[:i], ex[:i]+"9"+ex[i:])
				}
				inputs = append(inputs, ex+"0", ex+"x")
			}
			for range 200 {
				var b strings.Builder
				for range 1 + rng.IntN(14) {
					b.WriteByte(byte('0' + rng.IntN(10)))
				}
				inputs = append(inputs, b.String())
			}
			for _, s := range inputs {
				got, ok := dfa.match(s)
				if want := re.MatchString(s); ok && got != want {
					t.Fatalf("%s %s: DFA says %v for %q, regexp %v", md.GetId(), pattern, got, s, want)
				}
				if allDigits := strings.Trim(s, "0123456789") == ""; ok != allDigits {
					t.Fatalf("%s: ok %v for %q", pattern, ok, s)
				}
			}
		}
	}
	if built < patterns*9/10 {
		t.Errorf("a DFA for %d of %d patterns; want nearly all", built, patterns)
	}
	t.Logf("%d of %d patterns as DFAs", built, patterns)
}

func TestDigitDFAAssertions(t *testing.T) {
	for _, c := range []struct {
		pattern string
		in      string
		want    bool
	}{
		{`^(?:1[2-4]\d{2})$`, "1399", true},
		{`^(?:1[2-4]\d{2})$`, "1599", false},
		{`^(?:1[2-4]\d{2})$`, "13990", false},
		{`^(?:|12)$`, "", true},
		{`^(?:\d{2}(?:\d{3})?)$`, "12345", true},
		{`^(?:\d{2}(?:\d{3})?)$`, "1234", false},
		{`^(?:1|12$3)$`, "123", false},
	} {
		d := newDigitDFA(c.pattern)
		if d == nil {
			t.Fatalf("%s: no DFA", c.pattern)
		}
		if got, ok := d.match(c.in); !ok || got != c.want {
			t.Errorf("%s on %q: %v %v, want %v", c.pattern, c.in, got, ok, c.want)
		}
	}
	if newDigitDFA(`^\b1$`) != nil {
		t.Error("a word boundary should leave the pattern to the regexp")
	}
}
