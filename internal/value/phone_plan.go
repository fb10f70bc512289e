package value

import (
	"fmt"
	"regexp"
	"slices"

	"github.com/nyaruka/phonenumbers"
)

// phonePlan is one region's numbering plan, compiled from phonenumbers'
// metadata: what makes a national significant number valid there.
type phonePlan struct {
	region  string
	cc      string         // calling code, "41"
	idd     string         // international prefix when it is plain digits ("00"), else ""
	trunk   string         // national prefix when parsing only strips it ("0"), else ""
	leading *regexp.Regexp // leading digits of a region sharing its calling code, or nil
	general numberDesc
	types   []numberDesc // every number type (fixed line, mobile, toll free, …)
}

// numberDesc mirrors phonenumbers' PhoneNumberDesc: possible lengths (none:
// any) and a pattern the whole number must match.
type numberDesc struct {
	lengths []int32
	re      *regexp.Regexp
	dfa     *digitDFA // re for digits alone; nil when it could not be built
}

func (d numberDesc) match(nsn string) bool {
	if len(d.lengths) > 0 && !slices.Contains(d.lengths, int32(len(nsn))) {
		return false
	}
	if d.dfa != nil {
		if m, ok := d.dfa.match(nsn); ok {
			return m
		}
	}
	return d.re.MatchString(nsn)
}

// valid follows phonenumbers' getNumberTypeHelper: the general description
// and at least one number type must match.
func (pl *phonePlan) valid(nsn string) bool {
	if !pl.general.match(nsn) {
		return false
	}
	for _, d := range pl.types {
		if d.match(nsn) {
			return true
		}
	}
	return false
}

// plansFor compiles the plans of every region using calling code cc, in
// phonenumbers' order.
func plansFor(cc int) ([]*phonePlan, error) {
	coll, err := phonenumbers.MetadataCollection()
	if err != nil {
		return nil, fmt.Errorf("read phone metadata: %w", err)
	}
	var plans []*phonePlan
	for _, region := range phonenumbers.GetRegionCodesForCountryCode(cc) {
		for _, md := range coll.GetMetadata() {
			if md.GetId() == region && int(md.GetCountryCode()) == cc {
				pl, err := compilePlan(md)
				if err != nil {
					return nil, err
				}
				plans = append(plans, pl)
				break
			}
		}
	}
	return plans, nil
}

var digitsOnly = regexp.MustCompile(`^[0-9]+$`)

func compilePlan(md *phonenumbers.PhoneMetadata) (*phonePlan, error) {
	pl := &phonePlan{region: md.GetId(), cc: fmt.Sprint(md.GetCountryCode())}
	if idd := md.GetInternationalPrefix(); digitsOnly.MatchString(idd) {
		pl.idd = idd
	}
	if np := md.GetNationalPrefix(); digitsOnly.MatchString(np) &&
		(md.GetNationalPrefixForParsing() == "" || md.GetNationalPrefixForParsing() == np) &&
		md.GetNationalPrefixTransformRule() == "" {
		pl.trunk = np
	}
	var err error
	if ld := md.GetLeadingDigits(); ld != "" {
		if pl.leading, err = regexp.Compile("^(?:" + ld + ")"); err != nil {
			return nil, fmt.Errorf("phone metadata %s: %w", pl.region, err)
		}
	}
	if pl.general, err = compileDesc(md.GetGeneralDesc()); err != nil {
		return nil, fmt.Errorf("phone metadata %s: %w", pl.region, err)
	}
	for _, d := range []*phonenumbers.PhoneNumberDesc{
		// validity needs any type to match: the common ones first
		md.GetFixedLine(), md.GetMobile(), md.GetTollFree(), md.GetPremiumRate(), md.GetSharedCost(),
		md.GetVoip(), md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(),
	} {
		if d.GetNationalNumberPattern() == "" {
			continue // matches only the empty number
		}
		nd, err := compileDesc(d)
		if err != nil {
			return nil, fmt.Errorf("phone metadata %s: %w", pl.region, err)
		}
		pl.types = append(pl.types, nd)
	}
	return pl, nil
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) (numberDesc, error) {
	pattern := "^(?:" + d.GetNationalNumberPattern() + ")$"
	re, err := regexp.Compile(pattern)
	if err != nil {
		return numberDesc{}, err
	}
	return numberDesc{lengths: d.GetPossibleLength(), re: re, dfa: newDigitDFA(pattern)}, nil
}
