// Package docs documents a target format for the customer who fills it:
// entities, fields, types, what is required, allowed values, references,
// examples of valid values and, in plain words, why a row is rejected. The
// same descriptions feed the fill-in template's instructions and input
// messages (package template), so the two never disagree.
package docs

import (
	"github.com/handover/handover/internal/format"
)

// The layouts the template promises for dates and date-times, in the
// notation of recipe layouts; the identity recipes read them (and the
// values of real Excel date cells).
const (
	DateLayout     = "DD.MM.YYYY"
	DatetimeLayout = "DD.MM.YYYY HH:mm"
)

// Options say what the documentation tells beyond the format itself.
type Options struct {
	Migration string // migration name from handover.yaml
	Customer  string
	// PhoneRegion, an ISO country code such as CH, says that national
	// phone numbers of that country are accepted; "" accepts international
	// numbers (+41 …) only.
	PhoneRegion string
	// TimeZone is the IANA zone date-times are read in; "" is UTC.
	TimeZone string
}

// Doc is a format described for the customer.
type Doc struct {
	Title    string
	Intro    string
	Entities []Entity
	Rules    []string // why a row is rejected, in plain words
	Delivery []string // how to deliver, in plain words
}

// Entity is one entity described.
type Entity struct {
	Name         string
	Key          string
	Fields       []Field
	ReferencedBy []string // "contacts.structure"
	References   []string // "structure → structures"
}

// Field is one field described.
type Field struct {
	Name     string
	Type     string // in plain words: "Date", "Whole number", …
	Required bool
	Key      bool
	Format   string   // how to write a value: "DD.MM.YYYY (31.12.1980) or an Excel date"
	Rules    []string // constraints in plain words: "at most 40 characters"
	Allowed  []string // enum values
	Ref      string   // referenced entity
	Example  string   // a valid value, "" when none can be given
}

// Build describes the format.
func Build(f *format.Format, o Options) *Doc {
	d := &Doc{Title: "Import format", Rules: rejectionRules(), Delivery: deliveryRules()}
	switch {
	case o.Customer != "":
		d.Title += ": " + o.Customer
	case o.Migration != "":
		d.Title += ": " + o.Migration
	}
	d.Intro = intro(o)
	refs := referencedBy(f)
	for _, e := range f.Entities {
		de := Entity{Name: e.Name, Key: e.Key, ReferencedBy: refs[e.Name]}
		for _, fd := range e.Fields {
			x := Describe(e, fd, o)
			if x.Ref != "" {
				de.References = append(de.References, fd.Name+" → "+x.Ref)
			}
			de.Fields = append(de.Fields, x)
		}
		d.Entities = append(d.Entities, de)
	}
	return d
}

func intro(o Options) string {
	s := "This document describes the data to deliver"
	if o.Migration != "" {
		s += " for the migration " + o.Migration
	}
	return s + ": one table per kind of record, one column per field, one row per record. " +
		"Every row is checked against the rules below; a row that breaks a rule is not imported " +
		"and comes back to you in a list with the line and the reason."
}

// referencedBy lists, per entity, the ref fields pointing to it.
func referencedBy(f *format.Format) map[string][]string {
	out := map[string][]string{}
	for _, e := range f.Entities {
		for _, fd := range e.Fields {
			if fd.Type == format.Ref {
				out[fd.Entity] = append(out[fd.Entity], e.Name+"."+fd.Name)
			}
		}
	}
	return out
}

func rejectionRules() []string {
	return []string{
		"A required field is empty.",
		"A value does not fit the field's type: a date that does not exist (31.02.1980) or is not written as shown, text in a number field, an e-mail address without @, a phone number that cannot be dialled, an unknown country.",
		"A value is not one of the allowed values of a list field (the comparison is exact: upper and lower case count).",
		"A value is too long, too small or too large, or does not have the required form.",
		"The key is empty or appears in more than one row, or a value that must be unique appears twice.",
		"A reference points to a record that is not in the delivery, or to a record that was itself rejected.",
		"A row is always imported completely or not at all: never with some fields left out.",
	}
}

func deliveryRules() []string {
	return []string{
		"Deliver one sheet of the template workbook (or one CSV file) per kind of record, with the header row exactly as given: do not rename, reorder or remove columns.",
		"One record per row, from the second row on. Leave a cell empty when there is no value.",
		"CSV files: UTF-8, with the delimiter of the template, values containing the delimiter in double quotes.",
		"Keep a record's key the same in every later delivery: it is how the record is recognised again.",
	}
}
