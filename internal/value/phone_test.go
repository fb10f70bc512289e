package value

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

func TestPhone(t *testing.T) {
	tests := []struct{ in, region, want, err string }{
		{"", "CH", "", ""},
		{"044 123 45 67", "CH", "+41441234567", ""},
		{"+41 44 123 45 67", "CH", "+41441234567", ""},
		{"0041 44 123 45 67", "CH", "+41441234567", ""},
		{"+41 (0)44 123 45 67", "CH", "+41441234567", ""},
		{"079 123 45 67", "CH", "+41791234567", ""},
		{"+49 30 1234567", "CH", "+49301234567", ""},
		{"030 1234567", "DE", "+49301234567", ""},
		{"(212) 555-0123", "US", "+12125550123", ""},
		{"+41 44 123 45 67", "", "+41441234567", ""},
		{"+41441234567", "", "+41441234567", ""},
		{"Tel. 044 123 45 67", "CH", "+41441234567", ""},
		{"12345", "CH", "", `"12345" is not a valid phone number for CH`},
		{"044 123 45 6", "CH", "", `"044 123 45 6" is not a valid phone number for CH`},
		{"hello", "CH", "", `"hello" is not a valid phone number for CH`},
		{"+41 12 345 67 89", "CH", "", `"+41 12 345 67 89" is not a valid phone number for CH`},
		{"044 123 45 67", "", "", `"044 123 45 67" is not a valid international phone number (+41…)`},
	}
	for _, tt := range tests {
		got, err := Phone(tt.in, tt.region)
		check(t, "Phone/"+tt.region, tt.in, got, err, tt.want, tt.err, "phone")
	}
	for _, region := range []string{"XX", "ch", "CHE"} {
		if err := CheckRegion(region); err == nil {
			t.Errorf("CheckRegion(%q) = nil, want an error", region)
		}
		if _, err := Phone("044 123 45 67", region); err == nil || errors.As(err, new(*Error)) {
			t.Errorf("Phone with region %q: error = %v, want a configuration error", region, err)
		}
	}
}

// TestPhoneFastPath compares the parser with phonenumbers on random numbers
// in many shapes: the fast path must never accept what phonenumbers would
// reject, nor format a number differently.
func TestPhoneFastPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	regions := []string{"CH", "DE", "AT", "FR", "IT", "LI", "US", "CA", "GB", "NL", ""}
	prefixes := []string{"0", "00", "+", "", "0041", "+41", "+49", "+39", "+1", "+44", "+7", "+800", "+33", "0039", "0049"}
	seps := []string{"", " ", "-", ".", "/"}
	fast := 0
	for _, region := range regions {
		p, err := NewPhoneParser(region)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 1200; i++ {
			var b strings.Builder
			b.WriteString(prefixes[rng.IntN(len(prefixes))])
			for j, n := 0, 4+rng.IntN(9); j < n; j++ {
				if rng.IntN(4) == 0 {
					b.WriteString(seps[rng.IntN(len(seps))])
				}
				fmt.Fprint(&b, rng.IntN(10))
			}
			s := b.String()
			want, werr := p.slow(s)
			got, ok := p.fast(s)
			if ok {
				fast++
				if werr != nil || got != want {
					t.Errorf("region %q: fast(%q) = %q, phonenumbers says %q, %v", region, s, got, want, werr)
				}
			}
		}
	}
	if fast < 600 {
		t.Errorf("the fast path accepted only %d numbers; it is not being used", fast)
	}
}

// TestPhoneSharedCallingCode checks numbers of regions that share +1, +7
// and +44 against phonenumbers.IsValidNumber.
func TestPhoneSharedCallingCode(t *testing.T) {
	p, err := NewPhoneParser("")
	if err != nil {
		t.Fatal(err)
	}
	for _, region := range []string{"US", "CA", "JM", "PR", "RU", "KZ", "GB", "JE", "GG", "IM"} {
		for _, typ := range []phonenumbers.PhoneNumberType{phonenumbers.FIXED_LINE, phonenumbers.MOBILE} {
			n := phonenumbers.GetExampleNumberForType(region, typ)
			if n == nil {
				continue
			}
			s := phonenumbers.Format(n, phonenumbers.E164)
			got, ok := p.fast(s)
			if !ok || got != s {
				t.Errorf("fast(%q) (%s example) = %q, %v", s, region, got, ok)
			}
		}
	}
}

func BenchmarkPhone(b *testing.B) {
	nums := make([]string, 1000)
	for i := range nums {
		nums[i] = fmt.Sprintf("044 %03d %02d %02d", 200+i%700, i%100, (i*7)%100)
	}
	p, err := NewPhoneParser("CH")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("fast", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := p.Parse(nums[i%len(nums)]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("phonenumbers", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			if _, err := p.slow(nums[i%len(nums)]); err != nil {
				b.Fatal(err)
			}
		}
	})
}
