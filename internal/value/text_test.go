package value

import (
	"strings"
	"testing"
)

func TestBool(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"true", "true", ""}, {"TRUE", "true", ""}, {"1", "true", ""}, {"yes", "true", ""}, {"Ja", "true", ""},
		{"oui", "true", ""}, {"si", "true", ""}, {"x", "true", ""}, {"X", "true", ""},
		{"false", "false", ""}, {"0", "false", ""}, {"no", "false", ""}, {"Nein", "false", ""}, {"non", "false", ""},
		{"maybe", "", `"maybe" is not yes or no`},
		{" ja", "", `" ja" is not yes or no`},
		{"2", "", `"2" is not yes or no`},
	}
	for _, tt := range tests {
		got, err := Bool(tt.in)
		check(t, "Bool", tt.in, got, err, tt.want, tt.err, "bool")
	}
}

func TestEmailCanonicalDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { Email("anna.muster@example.ch") }); n != 0 {
		t.Errorf("%v allocations for an address already canonical", n)
	}
}

func TestEmail(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"anna.muster@example.ch", "anna.muster@example.ch", ""},
		{"Anna.Muster@Example.CH", "Anna.Muster@example.ch", ""},
		{"a+tag@sub.example.co.uk", "a+tag@sub.example.co.uk", ""},
		{"jürg@müller.ch", "jürg@müller.ch", ""},
		{"x@xn--80ak6aa92e.xn--p1ai", "x@xn--80ak6aa92e.xn--p1ai", ""},
		{"n/a", "", `"n/a" is not a valid e-mail address`},
		{"anna@example", "", `"anna@example" is not a valid e-mail address`},
		{"anna@@example.ch", "", `"anna@@example.ch" is not a valid e-mail address`},
		{"an na@example.ch", "", `"an na@example.ch" is not a valid e-mail address`},
		{" anna@example.ch", "", `" anna@example.ch" is not a valid e-mail address`},
		{"anna@example.ch ", "", `"anna@example.ch " is not a valid e-mail address`},
		{".anna@example.ch", "", `".anna@example.ch" is not a valid e-mail address`},
		{"an..na@example.ch", "", `"an..na@example.ch" is not a valid e-mail address`},
		{"anna@-example.ch", "", `"anna@-example.ch" is not a valid e-mail address`},
		{"anna@example..ch", "", `"anna@example..ch" is not a valid e-mail address`},
		{"anna@example.c", "", `"anna@example.c" is not a valid e-mail address`},
		{"anna@example.123", "", `"anna@example.123" is not a valid e-mail address`},
		{"@example.ch", "", `"@example.ch" is not a valid e-mail address`},
		{"anna@", "", `"anna@" is not a valid e-mail address`},
		{"anna@example.ch.", "", `"anna@example.ch." is not a valid e-mail address`},
		{"anna@.example.ch", "", `"anna@.example.ch" is not a valid e-mail address`},
		{"anna@example.ch-", "", `"anna@example.ch-" is not a valid e-mail address`},
		{strings.Repeat("a", 65) + "@example.ch", "", `"` + strings.Repeat("a", 65) + `@example.ch" is not a valid e-mail address`},
	}
	for _, tt := range tests {
		got, err := Email(tt.in)
		check(t, "Email", tt.in, got, err, tt.want, tt.err, "email")
	}
}

func TestCountry(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"", "", ""},
		{"CH", "CH", ""}, {"ch", "CH", ""}, {"CHE", "CH", ""}, {"che", "CH", ""},
		{"Schweiz", "CH", ""}, {"Suisse", "CH", ""}, {"Svizzera", "CH", ""}, {"Switzerland", "CH", ""}, {"SCHWEIZ", "CH", ""},
		{"Deutschland", "DE", ""}, {"Allemagne", "DE", ""}, {"Germania", "DE", ""}, {"DEU", "DE", ""},
		{"Österreich", "AT", ""}, {"Osterreich", "AT", ""}, {"oesterreich", "AT", ""}, {"Autriche", "AT", ""},
		{"Frankreich", "FR", ""}, {"Italien", "IT", ""}, {"Liechtenstein", "LI", ""},
		{"Vereinigte Staaten", "US", ""}, {"USA", "US", ""}, {"U.S.A.", "US", ""}, {"États-Unis", "US", ""}, {"Etats Unis", "US", ""},
		{"UK", "GB", ""}, {"Grossbritannien", "GB", ""}, {"Großbritannien", "GB", ""}, {"GBR", "GB", ""},
		{"Côte d'Ivoire", "CI", ""}, {"cote divoire", "CI", ""}, {"Bosnie-Herzégovine", "BA", ""},
		{"Pays-Bas", "NL", ""}, {"Island", "IS", ""}, {"Türkei", "TR", ""}, {"Ägypten", "EG", ""},
		{"Færøer", "", `"Færøer" is not a known country`},
		{"Atlantis", "", `"Atlantis" is not a known country`},
		{"EU", "", `"EU" is not a known country`},
		{"ZZ", "", `"ZZ" is not a known country`},
		{"ZZZ", "", `"ZZZ" is not a known country`},
		{"C", "", `"C" is not a known country`},
		{" CH", "", `" CH" is not a known country`},
	}
	for _, tt := range tests {
		got, err := Country(tt.in)
		check(t, "Country", tt.in, got, err, tt.want, tt.err, "country")
	}
}

// TestCountryTable checks the data: valid codes, no name claimed by two
// countries, all four languages for European countries.
func TestCountryTable(t *testing.T) {
	codes := strings.Fields(isoCountries)
	if len(codes) != 250 {
		t.Errorf("isoCountries has %d codes, want 249 + XK", len(codes))
	}
	seen := map[string]string{}
	for code, names := range countryNames {
		if countryIndex[code] != code {
			t.Errorf("countryNames has %s, which is not in isoCountries", code)
		}
		for _, n := range strings.Split(names, "|") {
			f := foldName(n)
			if other, ok := seen[f]; ok && other != code {
				t.Errorf("name %q (%q) is claimed by %s and %s", n, f, other, code)
			}
			seen[f] = code
			if got, err := Country(n); err != nil || got != code {
				t.Errorf("Country(%q) = %q, %v; want %s", n, got, err, code)
			}
		}
	}
	if len(countryNames) < 100 {
		t.Errorf("countryNames has %d countries, want at least 100", len(countryNames))
	}
}
