// Package suggest drafts a recipe for a delivery in the customer's own
// format: it matches every target field to the most likely source column,
// by the column's name (case, accents and separators ignored; common
// synonyms in English, German, French and Italian) and by what the sampled
// values look like (e-mail addresses, phone numbers, dates and their
// layout, numbers and their locale, countries, list values), and writes
// the transforms that implies, each with its evidence and a confidence.
//
// It also compares the columns of two deliveries of the same file
// (ColumnChanges), the most common cause of a broken later extraction.
package suggest

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"sort"
	"strings"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
	"github.com/handover/handover/internal/value"
)

// Options control a suggestion.
type Options struct {
	Entity string // target entity; "" picks the one the file fits best
	Source source.Options
	// File is the source file as the recipe names it (its path inside the
	// extraction); "" is the file's base name.
	File string
	// Region reads national phone numbers; "" is CH.
	Region string
	// Sample is how many rows are analysed; 0 is 1000, -1 every row.
	Sample int
}

// Draft is a suggested recipe.
type Draft struct {
	Entity   string        `json:"entity"`
	Source   recipe.Source `json:"source"`
	Columns  []string      `json:"columns"` // the file's columns, in file order
	Sampled  int           `json:"rows_sampled"`
	Fields   []Suggestion  `json:"fields"` // in the entity's field order
	Unused   []string      `json:"unused_columns"`
	Lookups  []*Lookup     `json:"lookups,omitempty"`
	Fits     []EntityFit   `json:"entities"` // how well the file fits each entity, best first
	Region   string        `json:"phone_region"`
	profiles map[string]*profile
}

// Suggestion is the draft's expression for one field.
type Suggestion struct {
	Field      string   `json:"field"`
	Column     string   `json:"column,omitempty"` // "" when no column fits
	Expr       string   `json:"expr,omitempty"`   // "" for an optional field left out
	Confidence float64  `json:"confidence"`
	Evidence   []string `json:"evidence,omitempty"`
	TODO       string   `json:"todo,omitempty"`
	Required   bool     `json:"required"`
}

// EntityFit is how well the file's columns fit an entity.
type EntityFit struct {
	Entity string  `json:"entity"`
	Score  float64 `json:"score"`
}

// Suggest reads a sample of the file at path and drafts a recipe for the
// entity of f it fits (Options.Entity, or the best-fitting one).
func Suggest(ctx context.Context, path string, f *format.Format, o Options) (*Draft, error) {
	if o.Region == "" {
		o.Region = "CH"
	}
	phones, err := value.NewPhoneParser(o.Region)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	limit := o.Sample
	switch {
	case limit == 0:
		limit = 1000
	case limit < 0:
		limit = 0 // Peek: every row
	}
	res, err := source.Peek(ctx, path, o.Source, limit)
	if err != nil {
		return nil, fmt.Errorf("suggest: %w", err)
	}
	if res.Dump != "" {
		var names []string
		for _, t := range res.Tables {
			names = append(names, t.Name)
		}
		return nil, fmt.Errorf("suggest: %s is a %s: name the table (--table); its tables: %s", path, res.Dump, strings.Join(names, ", "))
	}
	profiles := make([]*profile, len(res.Columns))
	for i, c := range res.Columns {
		col := make([]string, len(res.Rows))
		for j, r := range res.Rows {
			if i < len(r.Values) {
				col[j] = r.Values[i]
			}
		}
		profiles[i] = newProfile(c, i, col, phones)
	}
	file := o.File
	if file == "" {
		file = filepath.Base(path)
	}
	v := newVocab()
	e, fits, matches, err := pickEntity(v, f, o.Entity, file, profiles)
	if err != nil {
		return nil, err
	}
	d := &Draft{Entity: e.Name, Columns: res.Columns, Sampled: len(res.Rows), Fits: fits, Region: o.Region,
		Source: recipe.Source{File: file, Encoding: recipeEncoding(res.Encoding), Delimiter: res.Delimiter, Sheet: o.Source.Sheet, Table: o.Source.Table}}
	d.fill(v, e, profiles, matches)
	return d, nil
}

// pickEntity returns the named entity, or the one whose fields the columns
// fit best (the file name counting as a hint).
func pickEntity(v *vocab, f *format.Format, want, file string, profiles []*profile) (*format.Entity, []EntityFit, []match, error) {
	if want != "" && f.Entity(want) == nil {
		return nil, nil, nil, fmt.Errorf("suggest: no entity %q in the format (entities: %s)", want, entityNames(f))
	}
	if len(f.Entities) == 0 {
		return nil, nil, nil, fmt.Errorf("suggest: the format has no entities")
	}
	var fits []EntityFit
	matches := map[string][]match{}
	for _, e := range f.Entities {
		matches[e.Name] = assign(v, e, profiles)
		fits = append(fits, EntityFit{Entity: e.Name, Score: round2(entityScore(v, e, file, matches[e.Name]))})
	}
	sort.SliceStable(fits, func(i, j int) bool { return fits[i].Score > fits[j].Score })
	if want == "" {
		want = fits[0].Entity
	}
	return f.Entity(want), fits, matches[want], nil
}

// entityScore is the mean match score over the entity's fields, plus a
// bonus when the file is named like the entity: a quarter of the way
// still left to 1, so that the score stays within 0 and 1.
func entityScore(v *vocab, e *format.Entity, file string, matches []match) float64 {
	sum := 0.0
	for _, m := range matches {
		sum += m.score
	}
	s := sum / float64(max(1, len(e.Fields)))
	base := newName(trimExt(file))
	for _, n := range v.entitySynonyms(e.Name) {
		if sc, _ := nameScore(base, newName(n), nil); sc >= 0.7 {
			return s + 0.25*(1-s)
		}
	}
	return s
}

func trimExt(file string) string { return file[:len(file)-len(filepath.Ext(file))] }

func entityNames(f *format.Format) string {
	s := ""
	for i, e := range f.Entities {
		if i > 0 {
			s += ", "
		}
		s += e.Name
	}
	return s
}

// fill turns the matches into the draft's suggestions, unused columns and
// lookup tables.
func (d *Draft) fill(v *vocab, e *format.Entity, profiles []*profile, matches []match) {
	byField := map[int]match{}
	used := map[int]bool{}
	for _, m := range matches {
		byField[m.field], used[m.col] = m, true
	}
	d.profiles = map[string]*profile{}
	for i, f := range e.Fields {
		s := Suggestion{Field: f.Name, Required: f.Required || f.Name == e.Key}
		if m, ok := byField[i]; ok {
			p := profiles[m.col]
			d.profiles[p.name] = p
			expr, notes, todo, lk := transform(v, e, f, p, d.Region)
			s.Column, s.Expr, s.TODO, s.Confidence = p.name, expr, todo, round2(min(1, max(0, m.score)))
			s.Evidence = append(m.evidence, notes...)
			if lk != nil {
				d.Lookups = append(d.Lookups, lk)
			}
		} else if s.Required {
			s.Expr = `""`
			s.TODO = "no column fits this required field: every row is rejected until it has an expression"
		}
		d.Fields = append(d.Fields, s)
	}
	d.Unused = []string{}
	for i, p := range profiles {
		if !used[i] {
			d.Unused = append(d.Unused, p.name)
			d.profiles[p.name] = p
		}
	}
}

// recipeEncoding is the encoding the recipe names. A file detected as
// ISO-8859-1 is read as Windows-1252, its superset for text: the bytes
// 0x80–0x9F are control characters in the one and € ‘ ’ „ … in the other,
// and a later row of a Windows export may have them.
func recipeEncoding(detected string) string {
	if detected == "iso-8859-1" {
		return "windows-1252"
	}
	return detected
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
