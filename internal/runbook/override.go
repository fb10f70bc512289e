package runbook

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Override changes the runbook, from handover.yaml's plan: list. With the
// ID of a default step it re-titles, re-assigns, re-dates or removes it;
// with a new ID it adds a step, done when the state store holds the fact
// of that name (a confirmation).
type Override struct {
	ID     string
	Title  string
	Owner  string
	Due    string // "J-5", "J", "J+2" or a date YYYY-MM-DD
	Remove bool
	After  string // the step it depends on
}

var stepIDRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// applyOverrides applies os to defs in order; it reports every bad
// override.
func applyOverrides(defs []def, os []Override, cutover time.Time) ([]def, error) {
	var errs []error
	for _, o := range os {
		var err error
		defs, err = applyOverride(defs, o, cutover)
		if err != nil {
			errs = append(errs, fmt.Errorf("plan step %q: %w", o.ID, err))
		}
	}
	return defs, errors.Join(errs...)
}

func applyOverride(defs []def, o Override, cutover time.Time) ([]def, error) {
	if !stepIDRE.MatchString(o.ID) {
		return defs, errors.New("id may hold only lower-case letters, digits, - and _")
	}
	i := slices.IndexFunc(defs, func(d def) bool { return d.id == o.ID })
	if i < 0 && isDefault(o.ID) {
		return defs, nil // a default step this project does not have (no such environment, no files)
	}
	if o.Remove {
		if i < 0 {
			return defs, fmt.Errorf("no such step to remove (steps: %s)", ids(defs))
		}
		return remove(defs, o.ID), nil
	}
	if o.After != "" && !slices.ContainsFunc(defs, func(d def) bool { return d.id == o.After && d.id != o.ID }) {
		return defs, fmt.Errorf("after: no step %q (steps: %s)", o.After, ids(defs))
	}
	if i < 0 {
		return addStep(defs, o, cutover)
	}
	d := &defs[i]
	if o.Due != "" {
		off, err := ParseDue(o.Due, cutover)
		if err != nil {
			return defs, err
		}
		d.offset = off
	}
	if o.Title != "" {
		d.title = o.Title
	}
	if o.Owner != "" {
		d.owner = o.Owner
	}
	if o.After != "" {
		d.after = []string{o.After}
	}
	return defs, nil
}

// addStep appends the new step o, after its After step when it has one.
func addStep(defs []def, o Override, cutover time.Time) ([]def, error) {
	switch {
	case o.Title == "":
		return defs, errors.New("a new step needs a title")
	case o.Due == "":
		return defs, errors.New("a new step needs a due date (due: J-5)")
	}
	off, err := ParseDue(o.Due, cutover)
	if err != nil {
		return defs, err
	}
	owner := o.Owner
	if owner == "" {
		owner = "team"
	}
	d := def{id: o.ID, title: o.Title, owner: owner, offset: off, eval: confirmed(o.ID, "confirmed by")}
	at := len(defs)
	if o.After != "" {
		d.after = []string{o.After}
		at = slices.IndexFunc(defs, func(x def) bool { return x.id == o.After }) + 1
	}
	return slices.Insert(defs, at, d), nil
}

// ParseDue reads a due date, "J-5", "J", "J+2" or YYYY-MM-DD, as days
// relative to cutover.
func ParseDue(s string, cutover time.Time) (int, error) {
	t := strings.ReplaceAll(strings.TrimSpace(s), " ", "")
	if rest, ok := strings.CutPrefix(strings.ToUpper(t), "J"); ok {
		if rest == "" {
			return 0, nil
		}
		if n, err := strconv.Atoi(rest); err == nil && (rest[0] == '-' || rest[0] == '+') && n > -1000 && n < 1000 {
			return n, nil
		}
	} else if d, err := time.Parse(time.DateOnly, t); err == nil {
		return int(d.Sub(date(cutover)).Hours() / 24), nil
	}
	return 0, fmt.Errorf("due: %q is not J-N, J, J+N or a date YYYY-MM-DD", s)
}

func ids(defs []def) string {
	out := make([]string, len(defs))
	for i, d := range defs {
		out[i] = d.id
	}
	return strings.Join(out, ", ")
}

// ValidateOverrides checks os against the default runbook without reading
// evidence, for configuration checks; nil when all are valid.
func ValidateOverrides(os []Override, cfg Config) error {
	cutover := cfg.Cutover
	if cutover.IsZero() {
		cutover = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	_, err := applyOverrides(defaultSteps(cfg), os, cutover)
	return err
}
