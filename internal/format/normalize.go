package format

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/handover/handover/internal/value"
)

// Normalize converts a recipe output (a string, or nil) into the field's
// canonical text form (see Field) and checks the field's own constraints:
// required, type, values (enum), max_length (in runes), min, max, pattern
// (whole value). Empty or nil is null: a problem only when Required; no
// other constraint applies to it. A ref is only checked for being
// non-empty; resolving it is the loader's business. It returns the first
// problem found, with Rule "required", the type ("date", "email", "int", …;
// "enum" for values), "max_length", "min", "max" or "pattern".
//
// Already canonical text always passes the type check. Dates also accept a
// date and time at midnight ("1980-02-29 00:00:00"); date-times accept
// "1980-02-29T10:00:00Z" (any RFC 3339 offset, converted to UTC; fractions
// of a second are cut), "1980-02-29 10:00:00", "1980-02-29 10:00" and a
// bare date (midnight UTC). Other values (numbers, booleans) are taken as
// text.
func (f *Field) Normalize(v any) (string, *Problem) {
	s, ok := text(v)
	if !ok {
		return "", f.problem(string(f.Type), fmt.Sprintf("%v is not a value", v))
	}
	return f.NormalizeText(s)
}

// NormalizeText is Normalize of a text, for the hot path: a string passed
// as any is boxed, an allocation per field and row.
func (f *Field) NormalizeText(s string) (string, *Problem) {
	if s == "" {
		if f.Required {
			return "", f.problem("required", "is required")
		}
		return "", nil
	}
	if p := f.controls(s); p != nil {
		return "", p
	}
	c, err := f.checkFor()
	if err != nil {
		return "", f.problem("format", err.Error())
	}
	out, err := f.canonicalWith(s, c)
	if err != nil {
		rule, msg := string(f.Type), err.Error()
		var ve *value.Error
		if errors.As(err, &ve) {
			msg = ve.Message
		}
		return "", f.problem(rule, msg)
	}
	if p := f.constraints(out, c); p != nil {
		return "", p
	}
	return out, nil
}

func (f *Field) problem(rule, msg string) *Problem {
	return &Problem{Field: f.Name, Rule: rule, Message: f.Name + ": " + msg}
}

// text turns a value into text.
func text(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case fmt.Stringer:
		return x.String(), true
	}
	return "", false
}

// canonical converts s to the field type's canonical form (used for min
// and max, which have no phone or enum type).
func (f *Field) canonical(s string) (string, error) {
	return f.canonicalWith(s, &fieldCheck{})
}

func (f *Field) canonicalWith(s string, c *fieldCheck) (string, error) {
	switch f.Type {
	case Int:
		return value.Int(s)
	case Decimal:
		return value.Decimal(s, f.Scale)
	case Bool:
		return value.Bool(s)
	case Date:
		return isoDate(s)
	case Datetime:
		return isoDatetime(s)
	case Email:
		return value.Email(s)
	case Phone:
		if c.phone != nil {
			return c.phone.Parse(s)
		}
		return value.Phone(s, "")
	case Country:
		return value.Country(s)
	case Enum:
		if !c.values[s] {
			return "", &value.Error{Rule: "enum", Message: fmt.Sprintf("%q is not one of %s", s, c.allowed)}
		}
	}
	return s, nil
}

// Layouts accepted for date and datetime fields, in Go's notation.
var (
	isoLayouts      = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04"}
	datetimeLayouts = append([]string{time.DateOnly}, isoLayouts...)
)

func isoDate(s string) (string, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return value.FormatDate(t), nil
	}
	for _, l := range isoLayouts {
		if t, err := time.Parse(l, s); err == nil && t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
			return value.FormatDate(t), nil
		}
	}
	return "", &value.Error{Rule: "date", Message: fmt.Sprintf("%q is not a valid date (YYYY-MM-DD)", s)}
}

func isoDatetime(s string) (string, error) {
	for _, l := range datetimeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC().Truncate(time.Second).Format(time.RFC3339), nil
		}
	}
	return "", &value.Error{Rule: "datetime", Message: fmt.Sprintf("%q is not a valid date and time (YYYY-MM-DDTHH:mm:ssZ)", s)}
}

// constraints checks a canonical value against values, max_length, min,
// max and pattern.
func (f *Field) constraints(s string, c *fieldCheck) *Problem {
	if c.values != nil && f.Type != Enum && !c.values[s] {
		return f.problem("enum", fmt.Sprintf("%q is not one of %s", s, c.allowed))
	}
	n := -1
	runes := func() int {
		if n < 0 {
			n = utf8.RuneCountInString(s)
		}
		return n
	}
	if f.MaxLength > 0 && runes() > f.MaxLength {
		return f.problem("max_length", fmt.Sprintf("%s is longer than %d characters (%d)", quote(s), f.MaxLength, runes()))
	}
	if p := f.bounds(s, c, runes); p != nil {
		return p
	}
	if c.pattern != nil && !c.pattern.MatchString(s) {
		if f.PatternHint != "" {
			return f.problem("pattern", fmt.Sprintf("%s does not have the required form: %s", quote(s), f.PatternHint))
		}
		// Never the expression: the customer reads this message (rejects,
		// their workbook, the portal); pattern_hint says it in words.
		return f.problem("pattern", fmt.Sprintf("%s does not have the required form (see %s in the import format)", quote(s), f.Name))
	}
	return nil
}

// bounds checks min and max: by value for ordered types, by length in
// runes otherwise.
func (f *Field) bounds(s string, c *fieldCheck, runes func() int) *Problem {
	switch f.Type {
	case Int, Decimal:
		if c.min != "" && value.CompareNumbers(s, c.min) < 0 {
			return f.problem("min", fmt.Sprintf("%s is less than the minimum %s", s, c.min))
		}
		if c.max != "" && value.CompareNumbers(s, c.max) > 0 {
			return f.problem("max", fmt.Sprintf("%s is more than the maximum %s", s, c.max))
		}
	case Date, Datetime:
		if c.min != "" && s < c.min {
			return f.problem("min", fmt.Sprintf("%s is before the earliest allowed %s", s, c.min))
		}
		if c.max != "" && s > c.max {
			return f.problem("max", fmt.Sprintf("%s is after the latest allowed %s", s, c.max))
		}
	default:
		if c.minLen >= 0 && runes() < c.minLen {
			return f.problem("min", fmt.Sprintf("%s is shorter than %d characters (%d)", quote(s), c.minLen, runes()))
		}
		if c.maxLen >= 0 && runes() > c.maxLen {
			return f.problem("max", fmt.Sprintf("%s is longer than %d characters (%d)", quote(s), c.maxLen, runes()))
		}
	}
	return nil
}

// quote quotes a value for a message, cut after 40 runes.
func quote(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return strconv.Quote(s)
	}
	r := []rune(s)
	return strconv.Quote(string(r[:max]) + "…")
}

// NormalizeCanonical is Normalize for text a recipe's conversion function
// already put in the field type's canonical form (phone(…) into a phone
// field): it checks required and the constraints, without converting the
// value again.
func (f *Field) NormalizeCanonical(s string) (string, *Problem) {
	if s == "" {
		if f.Required {
			return "", f.problem("required", "is required")
		}
		return "", nil
	}
	if p := f.controls(s); p != nil {
		return "", p
	}
	c, err := f.checkFor()
	if err != nil {
		return "", f.problem("format", err.Error())
	}
	if p := f.constraints(s, c); p != nil {
		return "", p
	}
	return s, nil
}

// controls refuses a control character other than tab, CR and LF (an
// undefined windows-1252 byte decodes to one of the C1 controls) and the
// bidi embedding, override and isolate characters, which make text read
// differently from what it is, unless the field allows them.
func (f *Field) controls(s string) *Problem {
	if f.AllowControl {
		return nil
	}
	if i := controlAt(s); i >= 0 {
		r, _ := utf8.DecodeRuneInString(s[i:])
		return f.problem("control", fmt.Sprintf("contains the control character U+%04X at byte %d (allow it with allow_control: true)", r, i+1))
	}
	return nil
}

// controlAt returns the byte offset of the first refused character in s,
// or -1. It looks at bytes: C1 controls are C2 80–C2 9F in UTF-8, the bidi
// controls U+202A–U+202E and U+2066–U+2069 are E2 80 AA–AE and E2 81 A6–A9.
// Every value of every row passes here, so a table skips the bytes that
// cannot start one.
func controlAt(s string) int {
	for i := 0; i < len(s); i++ {
		if !controlLead[s[i]] {
			continue
		}
		switch b := s[i]; {
		case b < 0x20 || b == 0x7F:
			return i
		case b == 0xC2:
			if i+1 < len(s) && s[i+1] >= 0x80 && s[i+1] <= 0x9F {
				return i
			}
		case b == 0xE2 && i+2 < len(s):
			if s[i+1] == 0x80 && s[i+2] >= 0xAA && s[i+2] <= 0xAE || s[i+1] == 0x81 && s[i+2] >= 0xA6 && s[i+2] <= 0xA9 {
				return i
			}
		}
	}
	return -1
}

// controlLead marks the bytes controlAt must look at: the refused ASCII
// controls and the first bytes of the refused multi-byte characters.
var controlLead = func() (t [256]bool) {
	for b := range 0x20 {
		t[b] = b != '\t' && b != '\r' && b != '\n'
	}
	t[0x7F], t[0xC2], t[0xE2] = true, true, true
	return t
}()
