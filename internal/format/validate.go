package format

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/handover/handover/internal/value"
)

// fieldCheck is a field's constraints prepared once by Compile, so that
// Normalize compiles nothing per value.
type fieldCheck struct {
	pattern  *regexp.Regexp // whole-value match
	min, max string         // canonical bounds of int, decimal, date, datetime; "" unset
	minLen   int            // other types: bounds on the length in runes; -1 unset
	maxLen   int
	values   map[string]bool // enum
	allowed  string          // enum values for messages: "VIP, REGULAR, PRESS"
	phone    *value.PhoneParser
}

// Compile prepares every field of every entity (see Field.Compile). Errors
// name the format file, the field's line, the entity and the field; all
// are reported at once.
func (f *Format) Compile() error {
	var errs []error
	for _, e := range f.Entities {
		for _, fd := range e.Fields {
			if err := fd.Compile(); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: entity %s: %w", f.Path, fd.Line, e.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

// Compile prepares every field of the entity (see Field.Compile).
func (e *Entity) Compile() error {
	var errs []error
	for _, f := range e.Fields {
		if err := f.Compile(); err != nil {
			errs = append(errs, fmt.Errorf("entity %s: %w", e.Name, err))
		}
	}
	return errors.Join(errs...)
}

// Compile prepares the field's constraints (compiled pattern, parsed min
// and max, enum set) for Normalize. Call it once after loading, before
// values are normalised concurrently; Normalize works without it, but
// prepares the constraints again on every call. It must not run while
// Normalize runs on the same field.
func (f *Field) Compile() error {
	c, err := f.prepare()
	if err != nil {
		return fmt.Errorf("field %s: %w", f.Name, err)
	}
	f.check = c
	return nil
}

// prepare builds the field's fieldCheck.
func (f *Field) prepare() (*fieldCheck, error) {
	c := &fieldCheck{minLen: -1, maxLen: -1}
	if f.Pattern != "" {
		re, err := regexp.Compile(`^(?:` + f.Pattern + `)$`)
		if err != nil {
			return nil, fmt.Errorf("pattern does not compile: %w", err)
		}
		c.pattern = re
	}
	var err error
	if c.min, c.minLen, err = f.bound("min", f.Min); err != nil {
		return nil, err
	}
	if c.max, c.maxLen, err = f.bound("max", f.Max); err != nil {
		return nil, err
	}
	if len(f.Values) > 0 {
		c.values = make(map[string]bool, len(f.Values))
		for _, v := range f.Values {
			c.values[v] = true
		}
		c.allowed = strings.Join(f.Values, ", ")
	}
	if f.Type == Phone {
		if c.phone, err = value.NewPhoneParser(""); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// bound parses a min or max: a canonical value for ordered types, a length
// otherwise.
func (f *Field) bound(which, s string) (canon string, length int, err error) {
	if s == "" {
		return "", -1, nil
	}
	if ordered(f.Type) {
		canon, perr := f.canonical(s)
		if perr != nil || canon == "" {
			return "", -1, fmt.Errorf("%s %q is not a valid %s", which, s, f.Type)
		}
		return canon, -1, nil
	}
	n, cerr := strconv.Atoi(s)
	if cerr != nil || n < 0 {
		return "", -1, fmt.Errorf("%s %q is not a length (0 or more) for type %s", which, s, f.Type)
	}
	return "", n, nil
}

// ordered reports whether min and max compare values (not lengths).
func ordered(t Type) bool {
	return t == Int || t == Decimal || t == Date || t == Datetime
}

// checkFor returns the prepared constraints, preparing them now when
// Compile was not called.
func (f *Field) checkFor() (*fieldCheck, error) {
	if f.check != nil {
		return f.check, nil
	}
	return f.prepare()
}
