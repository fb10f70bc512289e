package recipe

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // datetime time zones must not depend on the machine

	"github.com/handover/handover/internal/value"
)

// prepDate compiles the layouts of date(v, layout, ...).
func prepDate(c *compiler, s *site) error {
	for _, t := range s.texts {
		l, err := value.CompileLayout(t)
		if err != nil {
			return err
		}
		s.layouts = append(s.layouts, l)
	}
	return nil
}

// prepDatetime compiles the layouts of datetime(v, layout, ..., [zone]);
// a last argument that is no layout but an IANA time zone name
// ("Europe/Zurich") says where the times were written. Default: UTC.
func prepDatetime(c *compiler, s *site) error {
	texts := s.texts
	s.loc = time.UTC
	if n := len(texts); n > 1 {
		if _, err := value.CompileLayout(texts[n-1]); err != nil {
			loc, lerr := loadZone(texts[n-1])
			if lerr != nil {
				return fmt.Errorf("%w; nor is it a time zone (%v)", err, lerr)
			}
			s.loc, texts = loc, texts[:n-1]
		}
	}
	for _, t := range texts {
		l, err := value.CompileLayout(t)
		if err != nil {
			return err
		}
		s.layouts = append(s.layouts, l)
	}
	return nil
}

func loadZone(name string) (*time.Location, error) {
	if name == "" || name == "Local" {
		return nil, fmt.Errorf("time zone %q depends on the machine; name one like Europe/Zurich", name)
	}
	return time.LoadLocation(name)
}

func callDate(st *state, s *site, args []string) string {
	t, l, err := value.MatchDate(args[0], s.layouts)
	if err != nil {
		st.fail("date", err)
		return ""
	}
	if l == nil {
		return ""
	}
	return value.FormatDate(t)
}

func callDatetime(st *state, s *site, args []string) string {
	t, l, err := value.MatchDateTime(args[0], s.layouts, s.loc)
	if err != nil {
		st.fail("datetime", err)
		return ""
	}
	if l == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func prepNumber(c *compiler, s *site) error {
	return value.CheckLocale(s.texts[0])
}

func callNumber(st *state, s *site, args []string) string {
	out, err := value.ParseNumber(args[0], s.texts[0])
	if err != nil {
		st.fail("number", err)
		return ""
	}
	return out
}

func prepDecimal(c *compiler, s *site) error {
	if s.ints[0] < 0 || s.ints[0] > 30 {
		return fmt.Errorf("decimal: scale must be between 0 and 30, not %d", s.ints[0])
	}
	return nil
}

func callDecimal(st *state, s *site, args []string) string {
	out, err := value.Decimal(args[0], s.ints[0])
	if err != nil {
		st.fail("decimal", err)
		return ""
	}
	return out
}

func prepPhone(c *compiler, s *site) error {
	p, err := value.NewPhoneParser(s.texts[0])
	if err != nil {
		return err
	}
	s.phone = p
	return nil
}

// callPhone parses with the evaluator's cache of recent inputs.
func callPhone(st *state, s *site, args []string) string {
	if args[0] == "" {
		return ""
	}
	out, err := st.memo(s, args[0], s.phone.Parse)
	if err != nil {
		st.fail("phone", err)
		return ""
	}
	return out
}

// callCountry recognises a country, with the evaluator's cache of recent
// inputs (a column of countries repeats a few values).
func callCountry(st *state, s *site, args []string) string {
	if args[0] == "" {
		return ""
	}
	out, err := st.memo(s, args[0], value.Country)
	if err != nil {
		st.fail("country", err)
		return ""
	}
	return out
}

func prepLookup(c *compiler, s *site) error {
	name := s.texts[0]
	t, ok := c.lookups[name]
	if !ok {
		names := make([]string, 0, len(c.lookups))
		for n := range c.lookups {
			names = append(names, n)
		}
		msg := fmt.Sprintf("unknown lookup table %q", name)
		if best := closest(name, names); best != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", best)
		}
		if len(names) == 0 {
			return fmt.Errorf("%s; the project has no lookup tables", msg)
		}
		return fmt.Errorf("%s; tables: %s", msg, strings.Join(sorted(names), ", "))
	}
	s.table = t
	return nil
}

// callLookup maps a value through a lookup table: exact match; a value
// missing from the table takes the default when one is given and is a
// problem otherwise.
func callLookup(st *state, s *site, args []string) string {
	if args[0] == "" {
		return ""
	}
	if to, ok := s.table[args[0]]; ok {
		return to
	}
	if len(args) > 1 {
		return args[1]
	}
	st.fail("lookup", &value.Error{Rule: "lookup",
		Message: fmt.Sprintf("%q is not in lookup table %q", args[0], s.texts[0])})
	return ""
}
