package recipe

import (
	"testing"
)

// funcCase evaluates src on a row and expects out (nil: no value) and, when
// rule is set, one problem with that rule and message.
type funcCase struct {
	src  string
	row  map[string]string
	out  any
	rule string
	msg  string
}

var funcCases = []funcCase{
	{`trim(Nachname)`, map[string]string{"Nachname": "  Müller \u00a0"}, "Müller", "", ""},
	{`upper(Nachname)`, map[string]string{"Nachname": "müller"}, "MÜLLER", "", ""},
	{`lower(EMail)`, map[string]string{"EMail": "Anna@EXAMPLE.ch"}, "anna@example.ch", "", ""},
	{`title(Nachname)`, map[string]string{"Nachname": "MÜLLER-LÜDENSCHEID von ARX"}, "Müller-Lüdenscheid Von Arx", "", ""},
	{`replace(Telefon, " ", "")`, map[string]string{"Telefon": "044 123 45 67"}, "0441234567", "", ""},
	{`replace(Telefon, "", "x")`, map[string]string{"Telefon": "044"}, "044", "", ""},
	{`regex_replace(Telefon, "[^0-9+]", "")`, map[string]string{"Telefon": "(044) 123-45-67"}, "0441234567", "", ""},
	{`regex_replace(Nachname, "^(\\w+), (\\w+)$", "$2 $1")`, map[string]string{"Nachname": "Muster, Anna"}, "Anna Muster", "", ""},
	{`split(Nachname, " ", 0)`, map[string]string{"Nachname": "Anna Maria Muster"}, "Anna", "", ""},
	{`split(Nachname, " ", 2)`, map[string]string{"Nachname": "Anna Maria Muster"}, "Muster", "", ""},
	{`split(Nachname, " ", 3)`, map[string]string{"Nachname": "Anna Maria Muster"}, "", "", ""},
	{`split(Nachname, " ", -1)`, map[string]string{"Nachname": "Anna Maria Muster"}, "Muster", "", ""},
	{`split(Nachname, " ", -4)`, map[string]string{"Nachname": "Anna Maria Muster"}, "", "", ""},
	{`split(Nachname, ", ", 1)`, map[string]string{"Nachname": "Muster, Anna"}, "Anna", "", ""},
	{`concat(Vorname, " ", Nachname)`, map[string]string{"Vorname": "Anna", "Nachname": "Muster"}, "Anna Muster", "", ""},
	{`concat(Vorname)`, map[string]string{}, "", "", ""},
	{`coalesce(EMail, Telefon, "none")`, map[string]string{"Telefon": "044"}, "044", "", ""},
	{`coalesce(EMail, Telefon)`, map[string]string{}, "", "", ""},
	{`default(Kategorie, "B")`, map[string]string{}, "B", "", ""},
	{`default(Kategorie, "B")`, map[string]string{"Kategorie": "A"}, "A", "", ""},
	{`substr(Nachname, 1, 3)`, map[string]string{"Nachname": "Müller"}, "üll", "", ""},
	{`substr(Nachname, 4)`, map[string]string{"Nachname": "Müller"}, "er", "", ""},
	{`substr(Nachname, 10, 3)`, map[string]string{"Nachname": "Müller"}, "", "", ""},
	{`substr(Nachname, 0, 100)`, map[string]string{"Nachname": "Müller"}, "Müller", "", ""},
	{`date(Geburtsdatum, "DD.MM.YYYY")`, map[string]string{"Geburtsdatum": "29.02.1980"}, "1980-02-29", "", ""},
	{`date(Geburtsdatum, "DD.MM.YYYY", "YYYY-MM-DD")`, map[string]string{"Geburtsdatum": "1980-02-29"}, "1980-02-29", "", ""},
	{`date(Geburtsdatum, "DD.MM.YYYY")`, map[string]string{}, "", "", ""},
	{`date(Geburtsdatum, "DD.MM.YYYY")`, map[string]string{"Geburtsdatum": "31.02.1980"}, nil, "date",
		`out: "31.02.1980" is not a valid date (DD.MM.YYYY)`},
	{`datetime(Erfasst, "DD.MM.YYYY HH:mm")`, map[string]string{"Erfasst": "01.07.2024 14:00"}, "2024-07-01T14:00:00Z", "", ""},
	{`datetime(Erfasst, "DD.MM.YYYY HH:mm", "Europe/Zurich")`, map[string]string{"Erfasst": "01.07.2024 14:00"}, "2024-07-01T12:00:00Z", "", ""},
	{`datetime(Erfasst, "DD.MM.YYYY HH:mm", "Europe/Zurich")`, map[string]string{"Erfasst": "01.01.2024 14:00"}, "2024-01-01T13:00:00Z", "", ""},
	{`datetime(Erfasst, "DD.MM.YYYY HH:mm")`, map[string]string{"Erfasst": "01.07.2024"}, nil, "datetime",
		`out: "01.07.2024" is not a valid date and time (DD.MM.YYYY HH:mm)`},
	{`number(Betrag, "de-CH")`, map[string]string{"Betrag": "1'234.50"}, "1234.50", "", ""},
	{`number(Betrag, "de-DE")`, map[string]string{"Betrag": "1.234,50"}, "1234.50", "", ""},
	{`number(Betrag, "de-CH")`, map[string]string{"Betrag": "1.2.3"}, nil, "number", `out: "1.2.3" is not a number (de-CH)`},
	{`decimal(number(Betrag, "de-CH"), 1)`, map[string]string{"Betrag": "1'234.55"}, "1234.6", "", ""},
	{`decimal(Betrag, 2)`, map[string]string{"Betrag": "12,5"}, nil, "decimal", `out: "12,5" is not a decimal number`},
	{`int(ID)`, map[string]string{"ID": "007"}, "7", "", ""},
	{`int(ID)`, map[string]string{"ID": "7.0"}, nil, "int", `out: "7.0" is not a whole number`},
	{`bool(Aktiv)`, map[string]string{"Aktiv": "Ja"}, "true", "", ""},
	{`bool(Aktiv)`, map[string]string{"Aktiv": "vielleicht"}, nil, "bool", `out: "vielleicht" is not yes or no`},
	{`email(EMail)`, map[string]string{"EMail": "Anna@Example.CH"}, "Anna@example.ch", "", ""},
	{`email(EMail)`, map[string]string{"EMail": "n/a"}, nil, "email", `out: "n/a" is not a valid e-mail address`},
	{`phone(Telefon, "CH")`, map[string]string{"Telefon": "044 123 45 67"}, "+41441234567", "", ""},
	{`phone(Telefon, "CH")`, map[string]string{"Telefon": "12345"}, nil, "phone", `out: "12345" is not a valid phone number for CH`},
	{`country(Land)`, map[string]string{"Land": "Schweiz"}, "CH", "", ""},
	{`country(Land)`, map[string]string{"Land": "Atlantis"}, nil, "country", `out: "Atlantis" is not a known country`},
	{`lookup("kategorien", Kategorie)`, map[string]string{"Kategorie": "A"}, "VIP", "", ""},
	{`lookup("kategorien", Kategorie)`, map[string]string{}, "", "", ""},
	{`lookup("kategorien", Kategorie)`, map[string]string{"Kategorie": "Gold"}, nil, "lookup",
		`out: "Gold" is not in lookup table "kategorien"`},
	{`lookup("kategorien", Kategorie, "REGULAR")`, map[string]string{"Kategorie": "Gold"}, "REGULAR", "", ""},
	{`col("Firma Name")`, map[string]string{"Firma Name": "ACME AG"}, "ACME AG", "", ""},
	{`"CH"`, nil, "CH", "", ""},
	{`Status == "aktiv" ? upper(Nachname) : lower(Nachname)`, map[string]string{"Status": "aktiv", "Nachname": "Ab"}, "AB", "", ""},
	{`Status == "aktiv" ? upper(Nachname) : lower(Nachname)`, map[string]string{"Nachname": "Ab"}, "ab", "", ""},
	{`Status != "x" && Kategorie == "A" ? "yes" : "no"`, map[string]string{"Kategorie": "A"}, "yes", "", ""},
	{`Status != "x" and Kategorie == "A" ? "yes" : "no"`, map[string]string{"Status": "x", "Kategorie": "A"}, "no", "", ""},
	{`not (Status == "x") || false ? "y" : "n"`, map[string]string{"Status": "x"}, "n", "", ""},
	{`!(Status == "x") or true ? "y" : "n"`, map[string]string{"Status": "x"}, "y", "", ""},
	{`Kategorie == "" ? "REGULAR" : lookup("kategorien", Kategorie)`, map[string]string{"Kategorie": "Gold"}, nil, "lookup",
		`out: "Gold" is not in lookup table "kategorien"`},
}

// TestFuncs evaluates every case twice: as written (mostly the direct
// path) and wrapped so that the VM runs it; both must agree.
func TestFuncs(t *testing.T) {
	for _, tc := range funcCases {
		for _, src := range []string{tc.src, `"" + (` + tc.src + `)`} {
			p, err := compileOne(t, src)
			if err != nil {
				t.Errorf("Compile(%q): %v", src, err)
				continue
			}
			if direct := p.fields[0].direct != nil; direct != (src == tc.src) {
				t.Errorf("Compile(%q): direct path %v", src, direct)
			}
			keep, out, problems := p.NewEvaluator().Eval(evalRow(tc.row))
			if !keep || len(out) != 1 {
				t.Fatalf("Eval(%q) = %v, %v", src, keep, out)
			}
			if out[0] != tc.out {
				t.Errorf("Eval(%q) = %#v, want %#v", src, out[0], tc.out)
			}
			switch {
			case tc.rule == "" && len(problems) > 0:
				t.Errorf("Eval(%q): unexpected problems %v", src, problems)
			case tc.rule != "" && (len(problems) != 1 || problems[0].Rule != tc.rule ||
				problems[0].Message != tc.msg || problems[0].Field != "out"):
				t.Errorf("Eval(%q) problems = %v, want %s %q", src, problems, tc.rule, tc.msg)
			}
		}
	}
}

// TestEmptyStaysEmpty checks that every function passes an empty value
// through without a problem.
func TestEmptyStaysEmpty(t *testing.T) {
	for _, src := range []string{
		`trim(ID)`, `upper(ID)`, `lower(ID)`, `title(ID)`, `replace(ID, "a", "b")`, `regex_replace(ID, "^", "x")`,
		`split(ID, ",", 0)`, `substr(ID, 1, 2)`, `date(ID, "DD.MM.YYYY")`, `datetime(ID, "DD.MM.YYYY HH:mm")`,
		`number(ID, "de-CH")`, `decimal(ID, 2)`, `int(ID)`, `bool(ID)`, `email(ID)`, `phone(ID, "CH")`,
		`country(ID)`, `lookup("kategorien", ID)`, `lookup("kategorien", ID, "X")`,
	} {
		p, err := compileOne(t, src)
		if err != nil {
			t.Fatalf("Compile(%q): %v", src, err)
		}
		_, out, problems := p.NewEvaluator().Eval(evalRow(nil))
		if out[0] != "" || len(problems) > 0 {
			t.Errorf("Eval(%q) of empty = %#v, %v; want \"\" and no problem", src, out[0], problems)
		}
	}
}
