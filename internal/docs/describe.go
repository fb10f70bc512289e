package docs

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/handover/handover/internal/format"
)

// Describe describes one field of entity e for the customer.
func Describe(e *format.Entity, f *format.Field, o Options) Field {
	d := Field{Name: f.Name, Type: typeWords(f), Required: f.Required || f.Name == e.Key, Key: f.Name == e.Key}
	d.Format = formatWords(f, o)
	d.Example = Example(f, o)
	if f.Type == format.Enum {
		d.Allowed = append([]string(nil), f.Values...)
	}
	if f.Type == format.Ref {
		d.Ref = f.Entity
	}
	d.Rules = ruleWords(e, f)
	return d
}

// Hint is the short text the template shows when a cell of the field is
// selected: type, required, how to write a value, the rules, an example.
// Excel allows 255 characters; longer hints are cut.
func Hint(d Field) string {
	parts := []string{d.Type}
	if d.Required {
		parts[0] += ", required"
	}
	if d.Format != "" {
		parts = append(parts, d.Format)
	}
	parts = append(parts, d.Rules...)
	if d.Example != "" && d.Allowed == nil {
		parts = append(parts, "Example: "+d.Example)
	}
	s := strings.Join(parts, ". ")
	if r := []rune(s); len(r) > 255 {
		s = string(r[:254]) + "…"
	}
	return s
}

func typeWords(f *format.Field) string {
	switch f.Type {
	case format.String:
		return "Text"
	case format.Int:
		return "Whole number"
	case format.Decimal:
		if f.Scale >= 0 {
			return fmt.Sprintf("Number with %d decimals", f.Scale)
		}
		return "Number"
	case format.Bool:
		return "Yes or no"
	case format.Date:
		return "Date"
	case format.Datetime:
		return "Date and time"
	case format.Email:
		return "E-mail address"
	case format.Phone:
		return "Phone number"
	case format.Country:
		return "Country"
	case format.Enum:
		return "One of a list"
	case format.Ref:
		return "Reference to " + f.Entity
	}
	return string(f.Type)
}

// formatWords says how to write a value of the field.
func formatWords(f *format.Field, o Options) string {
	switch f.Type {
	case format.Int:
		return "digits only, a minus sign in front when negative, no separators"
	case format.Decimal:
		s := "a point as the decimal separator, no thousands separators, or a number cell"
		if f.Scale >= 0 {
			s += fmt.Sprintf("; rounded to %d decimals", f.Scale)
		}
		return s
	case format.Bool:
		return "yes or no (also ja/nein, oui/non, sì/no, true/false, 1/0, x for yes)"
	case format.Date:
		return DateLayout + ", or a date cell"
	case format.Datetime:
		return DatetimeLayout + ", or a date and time cell; " + zoneWords(o)
	case format.Email:
		return "name@domain.tld"
	case format.Phone:
		return phoneWords(o)
	case format.Country:
		return "the ISO code (CH, DE) or the country's name in English, German, French or Italian"
	case format.Enum:
		return "exactly one of: " + strings.Join(f.Values, ", ")
	case format.Ref:
		return "the key of a record of " + f.Entity
	}
	return ""
}

func zoneWords(o Options) string {
	if o.TimeZone == "" {
		return "times are UTC"
	}
	return "times are local time in " + o.TimeZone
}

func phoneWords(o Options) string {
	if o.PhoneRegion == "" {
		return "international, with the country code: " + phoneExample("CH", phonenumbers.INTERNATIONAL)
	}
	s := "international with the country code, or a national number of " + o.PhoneRegion
	if ex := phoneExample(o.PhoneRegion, phonenumbers.NATIONAL); ex != "" {
		s += " (" + ex + ")"
	}
	return s
}

// phoneExample is the numbering plan's example number of a region.
func phoneExample(region string, f phonenumbers.PhoneNumberFormat) string {
	n := phonenumbers.GetExampleNumber(region)
	if n == nil {
		return ""
	}
	return phonenumbers.Format(n, f)
}

// ruleWords lists the field's constraints in plain words.
func ruleWords(e *format.Entity, f *format.Field) []string {
	var out []string
	switch {
	case f.Name == e.Key:
		out = append(out, "the key: identifies the record, must be unique and stay the same in later deliveries")
	case f.Unique:
		out = append(out, "no two records may have the same value")
	}
	if f.MaxLength > 0 {
		out = append(out, fmt.Sprintf("at most %d characters", f.MaxLength))
	}
	out = append(out, boundWords(f)...)
	switch {
	case f.PatternHint != "":
		out = append(out, "must be "+f.PatternHint)
	case f.Pattern != "" && patternExample(f.Pattern) != "":
		out = append(out, "must have the form the example shows") // never the expression: the customer reads this
	case f.Pattern != "":
		out = append(out, "must have a particular form: ask the team (the format gives no pattern_hint)")
	}
	if f.Type == format.Ref {
		out = append(out, "the "+f.Entity+" record must be in the delivery and be importable itself")
	}
	return out
}

// boundWords describes min and max: values for numbers and dates, lengths
// otherwise.
func boundWords(f *format.Field) []string {
	var out []string
	show := func(s string) string { return s }
	lo, hi := "at least %s", "at most %s"
	switch f.Type {
	case format.Int, format.Decimal:
	case format.Date, format.Datetime:
		show, lo, hi = displayDate, "not before %s", "not after %s"
	default:
		lo, hi = "at least %s characters", "at most %s characters"
	}
	if f.Min != "" {
		out = append(out, fmt.Sprintf(lo, show(f.Min)))
	}
	if f.Max != "" {
		out = append(out, fmt.Sprintf(hi, show(f.Max)))
	}
	return out
}

// displayDate writes an ISO date (and time) bound the way the template
// asks for dates: 1900-01-01 → 01.01.1900.
func displayDate(s string) string {
	if len(s) < 10 || s[4] != '-' || s[7] != '-' {
		return s
	}
	out := s[8:10] + "." + s[5:7] + "." + s[0:4]
	if len(s) >= 16 {
		out += " " + s[11:16]
	}
	return out
}
