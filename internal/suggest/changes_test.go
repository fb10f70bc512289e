package suggest

import (
	"strings"
	"testing"
)

func TestColumnChanges(t *testing.T) {
	cols := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	cases := []struct {
		name, prev, next string
		want             []string
	}{
		{"equal", "ID,Name,EMail", "ID,Name,EMail", nil},
		{"renamed in place", "ID,Name,EMail,Tel", "ID,Name,E-Mail,Tel",
			[]string{`column "EMail" was renamed to "E-Mail" (column 3)`}},
		{"renamed, unlike name, same place", "ID,B,C", "ID,Q,C",
			[]string{`column "B" was renamed to "Q" (column 2)`}},
		{"renamed and moved", "ID,Vorname,Nachname,Telefon", "ID,Nachname,Vorname,Telefonnummer",
			[]string{`column "Telefon" was renamed to "Telefonnummer" (column 4)`, `column "Vorname" moved from column 2 to column 3`}},
		{"inserted column moves nothing", "A,B,C", "A,X,B,C", []string{`new column "X" (column 2)`}},
		{"removed", "A,Fax,B", "A,B", []string{`column "Fax" (column 2) is missing`}},
		{"moved to the end", "A,B,C,D", "A,C,D,B", []string{`column "B" moved from column 2 to column 4`}},
		{"removed and added elsewhere", "ID,Fax,Name", "ID,Name,Website",
			[]string{`column "Fax" (column 2) is missing`, `new column "Website" (column 3)`}},
		{"duplicate names", "A,A,B", "A,B,A", []string{`column "A" moved from column 2 to column 3`}},
		{"from nothing", "", "A", []string{`new column "A" (column 1)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got []string
			for _, ch := range ColumnChanges(cols(c.prev), cols(c.next)) {
				got = append(got, ch.String())
			}
			if strings.Join(got, "\n") != strings.Join(c.want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestRenamesPairsLikeNames(t *testing.T) {
	got := Renames([]string{"EMail", "Geburtsdatum", "Kundennummer"}, []string{"E-Mail Adresse", "e_mail", "Telefon", "Geburts-Datum"})
	want := map[string]string{"EMail": "e_mail", "Geburtsdatum": "Geburts-Datum"}
	if len(got) != len(want) {
		t.Fatalf("Renames = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("Renames[%q] = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
}
