package suggest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/recipe"
	"github.com/handover/handover/internal/source"
)

func acmeFormat(t *testing.T) *format.Format {
	t.Helper()
	f, err := format.LoadFormat(filepath.Join("..", "..", "examples", "acme", "format.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func suggestFile(t *testing.T, f *format.Format, path string, o Options) *Draft {
	t.Helper()
	d, err := Suggest(context.Background(), path, f, o)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// checkMapping compares a draft with the expected expression per field
// ("" for a field that should stay unmapped) and returns the share right.
func checkMapping(t *testing.T, d *Draft, want map[string]string) float64 {
	t.Helper()
	right := 0
	for _, s := range d.Fields {
		exp, ok := want[s.Field]
		if !ok {
			t.Errorf("%s: field %s missing from the expected mapping", d.Entity, s.Field)
			continue
		}
		got := s.Expr
		if s.Column == "" && !s.Required {
			got = ""
		}
		if got == exp {
			right++
		} else {
			t.Logf("%s.%s: got %q (column %q, confidence %.2f), want %q", d.Entity, s.Field, got, s.Column, s.Confidence, exp)
		}
	}
	return float64(right) / float64(len(d.Fields))
}

// TestAcmeDelivery states the full expected mapping of the example
// project's delivery and requires at least 90 % of it per file.
func TestAcmeDelivery(t *testing.T) {
	f := acmeFormat(t)
	cases := []struct {
		file, entity string
		unused       []string
		want         map[string]string
	}{
		{"kontakte.csv", "contacts", []string{"Status", "Newsletter"}, map[string]string{
			"external_id": "trim(ID)",
			"salutation":  `lookup("contacts_salutation", trim(Anrede))`,
			"first_name":  "trim(Vorname)",
			"last_name":   "trim(Nachname)",
			"structure":   "trim(Firma_ID)",
			"street":      "trim(Strasse)",
			"zip":         "trim(PLZ)",
			"city":        "trim(Ort)",
			"country":     "country(Land)",
			"phone":       `phone(Telefon, "CH")`,
			"mobile":      `phone(Mobile, "CH")`,
			"email":       "lower(trim(EMail))",
			"birth_date":  `date(Geburtsdatum, "DD.MM.YYYY")`,
			"category":    `lookup("contacts_category", trim(Kategorie))`,
			"revenue":     `number(Umsatz, "de-CH")`,
			"note":        "trim(Notiz)",
			"created":     `datetime(Erstellt, "DD.MM.YYYY HH:mm")`,
			"language":    `lookup("contacts_language", trim(Sprache))`,
		}},
		{"firmen.csv", "structures", []string{"Branche"}, map[string]string{
			"external_id": "trim(ID)",
			"name":        "trim(Firmenname)",
			"street":      "trim(Strasse)",
			"zip":         "trim(PLZ)",
			"city":        "trim(Ort)",
			"country":     "country(Land)",
			"phone":       `phone(Telefon, "CH")`,
			"uid":         `trim(col("UID-Nr"))`,
		}},
		{"verkaeufe.csv", "sales", []string{"Menge"}, map[string]string{
			"external_id": "trim(Beleg_Nr)",
			"contact":     "trim(Kontakt_ID)",
			"structure":   "trim(Firma_ID)",
			"date":        `date(Datum, "DD.MM.YYYY")`,
			"amount":      `number(Betrag, "de-CH")`,
			"currency":    `upper(trim(col("Währung")))`,
			"product":     "trim(Produkt)",
		}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			// no --entity: the draft must also find the entity
			d := suggestFile(t, f, filepath.Join("..", "..", "examples", "acme", "delivery", c.file), Options{})
			if d.Entity != c.entity {
				t.Fatalf("entity %s, want %s (fits %v)", d.Entity, c.entity, d.Fits)
			}
			if share := checkMapping(t, d, c.want); share < 0.9 {
				t.Errorf("%.0f %% of the fields mapped right, want at least 90 %%", 100*share)
			}
			if strings.Join(d.Unused, ",") != strings.Join(c.unused, ",") {
				t.Errorf("unused columns %v, want %v", d.Unused, c.unused)
			}
			if d.Source.Encoding != "windows-1252" || d.Source.Delimiter != ";" {
				t.Errorf("source %+v", d.Source)
			}
			compileDraft(t, d, f)
		})
	}
}

// compileDraft parses the draft's YAML and compiles it against the file's
// columns with its lookup tables: check can run on it as it is.
func compileDraft(t *testing.T, d *Draft, f *format.Format) {
	t.Helper()
	data := d.YAML()
	r, err := recipe.ParseRecipe(d.Entity+".yaml", data)
	if err != nil {
		t.Fatalf("draft does not parse: %v\n%s", err, data)
	}
	lookups := recipe.Lookups{}
	for _, l := range d.Lookups {
		lookups[l.Table] = map[string]string{}
		for _, row := range l.Rows {
			lookups[l.Table][row.From] = row.To
		}
	}
	if _, err := recipe.Compile(r, f.Entity(d.Entity), d.Columns, lookups); err != nil {
		t.Fatalf("draft does not compile: %v\n%s", err, data)
	}
}

func TestFrenchDelivery(t *testing.T) {
	f := acmeFormat(t)
	d := suggestFile(t, f, filepath.Join("testdata", "personnes.csv"), Options{})
	if d.Entity != "contacts" {
		t.Fatalf("entity %s, want contacts (fits %v)", d.Entity, d.Fits)
	}
	want := map[string]string{
		"external_id": "trim(Identifiant)",
		"salutation":  `lookup("contacts_salutation", trim(col("Civilité")))`,
		"first_name":  `trim(col("Prénom"))`,
		"last_name":   "trim(Nom)",
		"structure":   `trim(col("ID société"))`,
		"street":      "trim(Adresse)",
		"zip":         "trim(NPA)",
		"city":        `trim(col("Localité"))`,
		"country":     "country(Pays)",
		"phone":       `phone(col("Téléphone"), "CH")`,
		"mobile":      `phone(Portable, "CH")`,
		"email":       "lower(trim(Courriel))",
		"birth_date":  `date(col("Date de naissance"), "DD/MM/YYYY")`,
		"category":    `lookup("contacts_category", trim(col("Catégorie")))`,
		"revenue":     `number(col("Chiffre d'affaires"), "fr-CH")`,
		"note":        "trim(Remarque)",
		"created":     `datetime(col("Créé le"), "DD/MM/YYYY HH:mm")`,
		"language":    `lookup("contacts_language", trim(Langue))`,
	}
	if share := checkMapping(t, d, want); share < 0.9 {
		t.Errorf("%.0f %% of the fields mapped right, want at least 90 %%", 100*share)
	}
	if strings.Join(d.Unused, ",") != "Actif" {
		t.Errorf("unused %v", d.Unused)
	}
	tables := map[string]string{}
	for _, l := range d.Lookups {
		tables[l.Table] = string(l.CSV())
	}
	for table, want := range map[string]string{
		"contacts_salutation": "from,to\nMonsieur,MR\nMadame,MS\n",
		"contacts_language":   "from,to\nFrançais,FR\nAllemand,DE\nItalien,IT\n",
		"contacts_category":   "from,to\nVIP,VIP\nPresse,PRESS\n",
	} {
		if tables[table] != want {
			t.Errorf("lookup %s:\n%s\nwant\n%s", table, tables[table], want)
		}
	}
	yaml := string(d.YAML())
	if !strings.Contains(yaml, `TODO category: 1 value stands for no allowed value (VIP, REGULAR, PRESS) and is rejected: "Client"`) {
		t.Errorf("the unmapped category value is not listed:\n%s", yaml)
	}
	compileDraft(t, d, f)
}

func TestDateLayoutFromValues(t *testing.T) {
	f := acmeFormat(t)
	cases := []struct {
		name   string
		dates  []string
		expr   string
		note   string // in the evidence
		todo   string
		source string
	}{
		{"a day above 12 decides day first", []string{"03/04/2021", "11/12/2020", "25/03/2021", "01/02/2020"},
			`date(Datum, "DD/MM/YYYY")`, `"25/03/2021" only fits DD/MM/YYYY (not MM/DD/YYYY)`, "", ""},
		{"a day above 12 decides month first", []string{"03/04/2021", "12/25/2020", "01/02/2020", "05/06/2019"},
			`date(Datum, "MM/DD/YYYY")`, `"12/25/2020" only fits MM/DD/YYYY (not DD/MM/YYYY)`, "", ""},
		{"undecided: day first assumed", []string{"03/04/2021", "11/12/2020", "01/02/2020"},
			`date(Datum, "DD/MM/YYYY")`, "no value has a day above 12", "day and month order is a guess", ""},
		{"date cells and typed dates", []string{"2021-04-03", "2020-12-11", "25.03.2021", "2019-01-01"},
			`date(Datum, "YYYY-MM-DD", "DD.MM.YYYY")`, "", "", ""},
		{"padded values are trimmed", []string{" 25.03.2021", "01.02.2020 "},
			`date(trim(Datum), "DD.MM.YYYY")`, "", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			lines := []string{"Beleg_Nr;Datum;Betrag"}
			for i, d := range c.dates {
				lines = append(lines, "R"+string(rune('1'+i))+";"+d+";10.00")
			}
			path := filepath.Join(t.TempDir(), "belege.csv")
			if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			d := suggestFile(t, f, path, Options{Entity: "sales"})
			s := d.field("date")
			if s.Expr != c.expr || !strings.Contains(strings.Join(s.Evidence, "; "), c.note) || s.TODO != c.todo {
				t.Errorf("got %s, evidence %q, todo %q; want %s, %q, %q", s.Expr, s.Evidence, s.TODO, c.expr, c.note, c.todo)
			}
		})
	}
}

func TestRequiredWithoutColumn(t *testing.T) {
	f := acmeFormat(t)
	path := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(path, []byte("Nr;Kommentar\n1;a\n2;b\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := suggestFile(t, f, path, Options{Entity: "sales", Source: source.Options{Delimiter: ";"}})
	s := d.field("product")
	if s.Expr != `""` || !strings.Contains(s.TODO, "every row is rejected") || s.Column != "" {
		t.Errorf("product: %+v", s)
	}
	yaml := string(d.YAML())
	for _, want := range []string{"  product: '\"\"'", "# TODO product:", "#   structure:", "#   Kommentar  e.g. \"a\", \"b\""} {
		if !strings.Contains(yaml, want) {
			t.Errorf("draft lacks %q:\n%s", want, yaml)
		}
	}
	compileDraft(t, d, f)
}

func TestUnknownEntity(t *testing.T) {
	_, err := Suggest(context.Background(), filepath.Join("testdata", "personnes.csv"), acmeFormat(t), Options{Entity: "nope"})
	if err == nil || !strings.Contains(err.Error(), "structures, contacts, sales") {
		t.Errorf("err = %v", err)
	}
}

func (d *Draft) field(name string) Suggestion {
	for _, s := range d.Fields {
		if s.Field == name {
			return s
		}
	}
	return Suggestion{}
}
