package value

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// CheckRegion returns a configuration error for a region that is not an
// ISO 3166-1 alpha-2 code with a telephone numbering plan ("CH", "DE").
func CheckRegion(region string) error {
	if phonenumbers.GetCountryCodeForRegion(region) == 0 {
		return fmt.Errorf("unknown phone region %q (use an ISO country code in upper case, like CH)", region)
	}
	return nil
}

// Phone reads a phone number written nationally for region ("044 123 45
// 67" for CH) or internationally ("+41 44 123 45 67", "0041 44 …") and
// returns it in E.164 form ("+41441234567"), with phonenumbers alone:
// code that parses many numbers keeps a PhoneParser (NewPhoneParser), which
// is much faster after its first numbers.
func Phone(s, region string) (string, error) {
	if s == "" {
		return "", nil
	}
	if region != "" {
		if err := CheckRegion(region); err != nil {
			return "", err
		}
	}
	return (&PhoneParser{region: region}).slow(s)
}

// PhoneParser parses phone numbers for one region into E.164. The common
// shapes (digits with spaces, dashes, dots, slashes or parentheses, written
// nationally with the trunk prefix, or with +, or with 00) are checked
// against the numbering plan directly, which is about 30 times faster than
// github.com/nyaruka/phonenumbers; anything else, and every number the fast
// path does not accept, goes through phonenumbers, which has the last word.
// A PhoneParser is safe for concurrent use.
type PhoneParser struct {
	region string       // "" accepts international numbers only
	home   *phonePlan   // the region's own plan
	homes  []*phonePlan // every plan of the region's calling code
	plans  sync.Map     // calling code (string) → []*phonePlan, built on first use
}

// NewPhoneParser returns a parser for region (an ISO alpha-2 code), or for
// international numbers only when region is "". An unknown region is a
// configuration error.
func NewPhoneParser(region string) (*PhoneParser, error) {
	p := &PhoneParser{region: region}
	if region == "" {
		return p, nil
	}
	if err := CheckRegion(region); err != nil {
		return nil, err
	}
	plans, err := plansFor(phonenumbers.GetCountryCodeForRegion(region))
	if err != nil {
		return nil, err
	}
	for _, pl := range plans {
		if pl.region == region {
			p.home = pl
		}
	}
	if p.home == nil {
		return nil, fmt.Errorf("unknown phone region %q: no numbering plan", region)
	}
	p.homes = plans
	return p, nil
}

// Region returns the parser's region, "" for international numbers only.
func (p *PhoneParser) Region() string { return p.region }

// Parse returns s in E.164 form ("+41441234567"). The number must be valid:
// a real number range of its country. Errors are *Error with Rule "phone".
func (p *PhoneParser) Parse(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if out, ok := p.fast(s); ok {
		return out, nil
	}
	return p.slow(s)
}

// slow parses with phonenumbers, recovering from any panic inside it.
func (p *PhoneParser) slow(s string) (out string, err error) {
	defer func() {
		if recover() != nil {
			out, err = "", p.error(s)
		}
	}()
	region := p.region
	if region == "" {
		region = "ZZ"
	}
	n, perr := phonenumbers.Parse(s, region)
	if perr != nil || !phonenumbers.IsValidNumber(n) {
		return "", p.error(s)
	}
	return phonenumbers.Format(n, phonenumbers.E164), nil
}

func (p *PhoneParser) error(s string) *Error {
	if p.region == "" {
		return fail("phone", s, "is not a valid international phone number (+41…)")
	}
	return fail("phone", s, "is not a valid phone number for %s", p.region)
}

// fast accepts the common shapes when the number is valid; ok is false when
// it cannot tell (the caller then asks phonenumbers).
func (p *PhoneParser) fast(s string) (string, bool) {
	var buf [20]byte
	n, plus := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			if n == len(buf) {
				return "", false
			}
			buf[n] = c
			n++
		case c == '+' && i == 0:
			plus = true
		case c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	// e is the number in E.164 form, built once: "+", the calling code,
	// the national number.
	var e164 [24]byte
	e, d := e164[:1], buf[:n]
	e[0] = '+'
	switch {
	case plus:
		e = append(e, d...)
	case p.home == nil:
		return "", false
	case p.home.idd != "" && hasPrefix(d, p.home.idd):
		e = append(e, d[len(p.home.idd):]...)
	case p.home.trunk != "" && hasPrefix(d, p.home.trunk):
		e = append(append(e, p.home.cc...), d[len(p.home.trunk):]...)
	default:
		return "", false
	}
	return p.international(string(e))
}

func hasPrefix(b []byte, prefix string) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == prefix
}

// international validates a number in E.164 form ("+" and digits that
// start with a calling code) and returns it.
func (p *PhoneParser) international(e string) (string, bool) {
	d := e[1:]
	if d == "" || d[0] == '0' {
		return "", false
	}
	if p.home != nil && strings.HasPrefix(d, p.home.cc) {
		return e, validForAny(p.homes, d[len(p.home.cc):])
	}
	for l := 1; l <= 3 && l < len(d); l++ {
		cc, _ := strconv.Atoi(d[:l])
		if len(phonenumbers.GetRegionCodesForCountryCode(cc)) == 0 {
			continue
		}
		plans, ok := p.plansFor(cc)
		if !ok || !validForAny(plans, d[l:]) {
			return "", false
		}
		return e, true
	}
	return "", false
}

func (p *PhoneParser) plansFor(cc int) ([]*phonePlan, bool) {
	key := strconv.Itoa(cc)
	if v, ok := p.plans.Load(key); ok {
		return v.([]*phonePlan), true
	}
	plans, err := plansFor(cc)
	if err != nil || len(plans) == 0 {
		return nil, false
	}
	p.plans.Store(key, plans)
	return plans, true
}

// validForAny follows phonenumbers.IsValidNumber for a calling code shared
// by several regions: a region whose leading digits match decides alone;
// otherwise the number is valid if any region's plan accepts it.
func validForAny(plans []*phonePlan, nsn string) bool {
	if len(plans) == 1 {
		return plans[0].valid(nsn)
	}
	for _, pl := range plans {
		if pl.leading != nil {
			if pl.leading.MatchString(nsn) {
				return pl.valid(nsn)
			}
			continue
		}
		if pl.valid(nsn) {
			return true
		}
	}
	return false
}
