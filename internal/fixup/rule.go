package fixup

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project/conf"
	"github.com/handover/handover/internal/protocol"
)

// Rule is a fix-up rule checked against the format, ready to run.
type Rule struct {
	Name    string
	On      string // entity whose field is rewritten
	Field   string // a string field of On
	Entity  string // "": no lookup; else capture 1 is a source key of it
	Match   string
	Replace string
	File    string // where the rule was declared, for messages
	Line    int

	re      *regexp.Regexp
	tmpl    []piece
	literal string         // text every match contains; "" when unknown
	prefix  *prefixMatcher // a faster findAll; nil when the match has no literal start
	field   *format.Field  // the field rewritten
}

// Regexp is the rule's compiled match.
func (r *Rule) Regexp() *regexp.Regexp { return r.re }

// Literal is a text every match contains ("" when none is known): a
// cheap prefilter for a scan.
func (r *Rule) Literal() string { return r.literal }

// reservedEntity is the entity whose rejects file would be protocol.FixupRejects.
const reservedEntity = "fixups"

// Compile checks specs against the format and returns the rules, in the
// order given, with default names set. Every problem is added to errs
// with its file and line; rules with problems are left out.
func Compile(specs []Spec, f *format.Format, errs *conf.Errors) []*Rule {
	if len(specs) > 0 && f.Entity(reservedEntity) != nil {
		s := specs[0]
		errs.Add(s.File, s.Line, "fix-ups list their unresolved references in %s, which the rejects of entity %q would overwrite; rename the entity", protocol.FixupRejects, reservedEntity)
	}
	var out []*Rule
	seq := map[string]int{}    // on.field → rules so far
	names := map[string]Spec{} // name → first rule
	for i := range specs {
		s := &specs[i]
		before := errs.Len()
		r := compileOne(s, f, errs)
		seq[s.On+"."+s.Field]++
		if r == nil || errs.Len() > before {
			continue
		}
		if r.Name == "" {
			r.Name = fmt.Sprintf("%s.%s#%d", r.On, r.Field, seq[s.On+"."+s.Field])
		}
		if first, dup := names[r.Name]; dup {
			errs.Add(s.File, s.line("name"), "fix-up name %q is already used (%s:%d)", r.Name, first.File, first.Line)
			continue
		}
		names[r.Name] = *s
		out = append(out, r)
	}
	return out
}

// compileOne checks one spec; it returns nil when it cannot go on.
func compileOne(s *Spec, f *format.Format, errs *conf.Errors) *Rule {
	add := func(key, msg string, args ...any) { errs.Add(s.File, s.line(key), msg, args...) }
	r := &Rule{Name: strings.TrimSpace(s.Name), On: s.On, Field: s.Field, Entity: s.Entity,
		Match: s.Match, Replace: s.Replace, File: s.File, Line: s.Line}
	e := checkOn(s, f, add)
	if e != nil {
		r.field = checkField(s, e, add)
	}
	if s.Entity != "" && f.Entity(s.Entity) == nil {
		add("entity", "fixup entity: %s", unknownEntity(s.Entity, f))
	}
	if s.Match == "" {
		add("match", "fixup match missing: the regular expression that finds the old reference")
		return nil
	}
	re, err := regexp.Compile(s.Match)
	if err != nil {
		add("match", "fixup match: %s", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
		return nil
	}
	r.re, r.literal, r.prefix = re, requiredLiteral(s.Match), newPrefixMatcher(re)
	if s.Entity != "" && re.NumSubexp() < 1 {
		add("match", "fixup match %q has no capture group: with entity: the first group ( … ) must capture the source key", s.Match)
	}
	tmpl, problems := parseTemplate(s.Replace, re.NumSubexp(), s.Entity != "")
	for _, p := range problems {
		add("replace", "fixup replace: %s", p)
	}
	r.tmpl = tmpl
	if len(problems) == 0 {
		if again := r.rematches(); again != "" {
			add("replace", "fixup replace: the rewritten text %q matches %q again, so every run would rewrite it once more; make match exclude the rewritten form", again, s.Match)
		}
	}
	return r
}

// checkOn returns the entity the rule rewrites, or nil after a problem.
func checkOn(s *Spec, f *format.Format, add func(string, string, ...any)) *format.Entity {
	if s.On == "" {
		add("on", "fixup on missing: name the entity whose field is rewritten, e.g. on: contacts")
		return nil
	}
	e := f.Entity(s.On)
	if e == nil {
		add("on", "fixup on: %s", unknownEntity(s.On, f))
	}
	return e
}

// checkField returns the field the rule rewrites, or nil after a problem.
func checkField(s *Spec, e *format.Entity, add func(string, string, ...any)) *format.Field {
	if s.Field == "" {
		add("field", "fixup field missing: name the text field of %s to rewrite", e.Name)
		return nil
	}
	fl := e.Field(s.Field)
	switch {
	case fl == nil:
		names := make([]string, len(e.Fields))
		for i, x := range e.Fields {
			names[i] = x.Name
		}
		msg := fmt.Sprintf("fixup field: %s has no field %q", e.Name, s.Field)
		if sg := conf.Suggest(s.Field, names); sg != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", sg)
		}
		add("field", "%s", msg)
		return nil
	case fl.Name == e.Key:
		add("field", "fixup field: %s is the key of %s; the key identifies the row and is never rewritten", fl.Name, e.Name)
		return nil
	case fl.Type != format.String:
		add("field", "fixup field: %s.%s is %s; fix-ups rewrite text fields (type string) only", e.Name, fl.Name, fl.Type)
		return nil
	}
	return fl
}

func unknownEntity(name string, f *format.Format) string {
	names := make([]string, len(f.Entities))
	for i, e := range f.Entities {
		names[i] = e.Name
	}
	msg := fmt.Sprintf("entity %q is not in the format", name)
	if s := conf.Suggest(name, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// rematches renders the template with plausible values (id 1, every
// capture "1") and returns the text when the rule's match finds it again.
func (r *Rule) rematches() string {
	groups := make([]string, 10)
	for i := range groups {
		groups[i] = "1"
	}
	out := render(r.tmpl, groups, 1, "1")
	if r.re.MatchString(out) {
		return out
	}
	return ""
}
