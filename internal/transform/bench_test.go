package transform

import (
	"fmt"
	"syscall"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
)

// BenchmarkApply transforms rows of the benchmark delivery's contacts
// (bench/gen: DD.MM.YYYY dates, Swiss phones, 1'234.50 numbers, lookups)
// with the bench project's recipe into its format: the per-row work of a
// check or an import, on one goroutine. The phone numbers repeat only
// after 65,536 rows, so the evaluator's cache of recent results does not
// hold them (as in a delivery, where every contact has their own).
// cpu-ns/op is the process's CPU time (user + system) a row: on a machine
// others load, it varies much less than the wall time.
func BenchmarkApply(b *testing.B) {
	s := benchSingle(b)
	rows := make([][]string, 1<<16)
	for i := range rows {
		rows[i] = []string{fmt.Sprintf("K%07d", i), "Frau", "Anna ", "  Müller", fmt.Sprintf("F%06d", i%1000),
			"Bahnhofstrasse 12", "8001", "Zürich", "Schweiz", fmt.Sprintf("044 %03d %02d %02d", 200+i/10000, (i/100)%100, i%100),
			fmt.Sprintf("+41 79 %03d %02d %02d", i/10000, (i/100)%100, i%100), fmt.Sprintf(" Anna.Mueller%d@Example.CH", i),
			fmt.Sprintf("%02d.%02d.19%02d", 1+i%28, 1+i%12, 40+i%60), "Stammkunde", "1'234.50", `Notiz; mit "Zitat"`,
			fmt.Sprintf("%02d.%02d.2019 10:%02d", 1+i%28, 1+i%12, i%60), "de", "ja", "aktiv"}
	}
	b.ReportAllocs()
	cpu := cpuTime()
	i := 0
	for b.Loop() {
		if r := Apply(s.entity, s.converted, s.ev, len(s.columns), rows[i%len(rows)]); len(r.Problems) > 0 {
			b.Fatal(r.Problems)
		}
		i++
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
}

// cpuTime is the process's user + system time so far, in nanoseconds.
func cpuTime() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func benchSingle(b *testing.B) *Single {
	e := &format.Entity{Name: "contacts", Key: "external_id"}
	add := func(name string, t format.Type, mod func(*format.Field)) {
		f := &format.Field{Name: name, Type: t, Scale: -1}
		if mod != nil {
			mod(f)
		}
		e.Fields = append(e.Fields, f)
	}
	max := func(n int) func(*format.Field) { return func(f *format.Field) { f.MaxLength = n } }
	add("external_id", format.String, func(f *format.Field) { f.Required, f.MaxLength = true, 40 })
	add("salutation", format.Enum, func(f *format.Field) { f.Values = []string{"MR", "MS"} })
	add("first_name", format.String, max(100))
	add("last_name", format.String, func(f *format.Field) { f.Required, f.MaxLength = true, 60 })
	add("structure", format.String, nil)
	add("street", format.String, max(200))
	add("zip", format.String, max(10))
	add("city", format.String, max(100))
	add("country", format.Country, nil)
	add("phone", format.Phone, nil)
	add("mobile", format.Phone, nil)
	add("email", format.Email, func(f *format.Field) { f.Unique = true })
	add("birth_date", format.Date, func(f *format.Field) { f.Min = "1900-01-01" })
	add("category", format.Enum, func(f *format.Field) { f.Values = []string{"VIP", "REGULAR", "PRESS"} })
	add("revenue", format.Decimal, func(f *format.Field) { f.Scale, f.Min = 2, "0" })
	add("note", format.String, max(2000))
	add("created", format.Datetime, nil)
	add("language", format.Enum, func(f *format.Field) { f.Values = []string{"DE", "FR", "IT", "EN"} })
	add("newsletter", format.Bool, nil)
	add("status", format.Enum, func(f *format.Field) { f.Values = []string{"ACTIVE", "INACTIVE"} })
	if err := e.Compile(); err != nil {
		b.Fatal(err)
	}
	exprs := [][2]string{
		{"external_id", "trim(ID)"}, {"salutation", `lookup("anrede", trim(Anrede), "")`},
		{"first_name", "trim(Vorname)"}, {"last_name", "upper(trim(Nachname))"}, {"structure", "trim(Firma_ID)"},
		{"street", "trim(Strasse)"}, {"zip", "trim(PLZ)"}, {"city", "trim(Ort)"}, {"country", "country(Land)"},
		{"phone", `phone(Telefon, "CH")`}, {"mobile", `phone(Mobile, "CH")`}, {"email", "lower(trim(EMail))"},
		{"birth_date", `date(Geburtsdatum, "DD.MM.YYYY")`}, {"category", `lookup("kategorien", trim(Kategorie))`},
		{"revenue", `number(Umsatz, "de-CH")`}, {"note", "trim(Notiz)"}, {"created", `datetime(Erstellt, "DD.MM.YYYY HH:mm")`},
		{"language", `lookup("sprachen", trim(Sprache), "DE")`}, {"newsletter", "bool(Newsletter)"},
		{"status", `lookup("status", trim(Status))`},
	}
	r := &recipe.Recipe{Path: "recipes/contacts.yaml", Entity: "contacts"}
	for _, x := range exprs {
		r.Fields = append(r.Fields, recipe.FieldExpr{Field: x[0], Expr: x[1]})
	}
	columns := []string{"ID", "Anrede", "Vorname", "Nachname", "Firma_ID", "Strasse", "PLZ", "Ort", "Land", "Telefon",
		"Mobile", "EMail", "Geburtsdatum", "Kategorie", "Umsatz", "Notiz", "Erstellt", "Sprache", "Newsletter", "Status"}
	lookups := recipe.Lookups{
		"anrede":     {"Herr": "MR", "Frau": "MS"},
		"kategorien": {"Kunde": "REGULAR", "Stammkunde": "REGULAR", "VIP": "VIP", "Presse": "PRESS"},
		"sprachen":   {"de": "DE", "fr": "FR", "it": "IT", "en": "EN"},
		"status":     {"aktiv": "ACTIVE", "inaktiv": "INACTIVE"},
	}
	s, err := Compile(r, e, columns, lookups)
	if err != nil {
		b.Fatal(err)
	}
	return s
}
