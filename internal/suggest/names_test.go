package suggest

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/handover/handover/internal/source"
)

func TestNewName(t *testing.T) {
	cases := []struct{ in, tokens string }{
		{"Date de naissance", "date de naissance"},
		{"E-Mail", "e mail"},
		{"EMail", "email"},
		{"firstName", "first name"},
		{"UID-Nr", "uid nr"},
		{"Straße", "strasse"},
		{"Prénom", "prenom"},
		{"Adresse1", "adresse 1"},
		{"  ", ""},
	}
	for _, c := range cases {
		if got := strings.Join(newName(c.in).tokens, " "); got != c.tokens {
			t.Errorf("newName(%q) = %q, want %q", c.in, got, c.tokens)
		}
	}
}

func TestNameScore(t *testing.T) {
	weak := weakTokens()
	cases := []struct {
		col, cand string
		want      float64
	}{
		{"Vorname", "vorname", 1},
		{"E-Mail", "email", 1},
		{"Geburtsdatum Kontakt", "geburtsdatum", 0.8},
		{"Kunden_Nr", "nr", 0.55},
		{"Telefonnummer", "telefon", 0.7},
		{"Notiz", "no", 0},
		{"Waehrung", "wahrung", 0.85 * (1 - 1.0/8)},
		{"Ort", "land", 0},
	}
	for _, c := range cases {
		got, _ := nameScore(newName(c.col), newName(c.cand), weak)
		if got < c.want-1e-9 || got > c.want+1e-9 {
			t.Errorf("nameScore(%q, %q) = %.3f, want %.3f", c.col, c.cand, got, c.want)
		}
	}
}

func TestEnumMatch(t *testing.T) {
	v := newVocab()
	cases := []struct {
		value  string
		values []string
		want   string
	}{
		{"vip", []string{"VIP", "REGULAR"}, "VIP"},
		{"Herr", []string{"MR", "MS"}, "MR"},
		{"Madame", []string{"MR", "MS"}, "MS"},
		{"Herr Dr.", []string{"MR", "MS"}, "MR"},
		{"Herr und Frau", []string{"MR", "MS"}, ""},
		{"Deutsch", []string{"DE", "FR"}, "DE"},
		{"Presse", []string{"VIP", "PRESS"}, "PRESS"},
		{"Lieferant", []string{"VIP", "PRESS"}, ""},
		{"", []string{"VIP"}, ""},
	}
	for _, c := range cases {
		if got := v.enumMatch(newName(c.value), c.values); got != c.want {
			t.Errorf("enumMatch(%q, %v) = %q, want %q", c.value, c.values, got, c.want)
		}
	}
}

func TestColRef(t *testing.T) {
	cases := map[string]string{
		"Vorname":    "Vorname",
		"Firma_ID":   "Firma_ID",
		"date":       `col("date")`,
		"Währung":    `col("Währung")`,
		"UID-Nr":     `col("UID-Nr")`,
		`Say "hi"`:   `col("Say \"hi\"")`,
		"first name": `col("first name")`,
	}
	for in, want := range cases {
		if got := colRef(in); got != want {
			t.Errorf("colRef(%q) = %s, want %s", in, got, want)
		}
	}
}

// TestWorkbookSheet drafts from an xlsx sheet whose dates are date cells.
func TestWorkbookSheet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "export.xlsx")
	x := excelize.NewFile()
	if _, err := x.NewSheet("Verkäufe"); err != nil {
		t.Fatal(err)
	}
	rows := [][]any{{"Belegnummer", "Datum", "Kunde", "Betrag", "Währung", "Artikel"}}
	for i := 0; i < 5; i++ {
		rows = append(rows, []any{"B" + string(rune('0'+i)), time.Date(2024, 1, 10+i, 0, 0, 0, 0, time.UTC), "K1", 12.5 * float64(i+1), "CHF", "Abo"})
	}
	style, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	for r, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, r+1)
		if err := x.SetSheetRow("Verkäufe", cell, &row); err != nil {
			t.Fatal(err)
		}
		if r > 0 {
			dc, _ := excelize.CoordinatesToCellName(2, r+1)
			_ = x.SetCellStyle("Verkäufe", dc, dc, style)
		}
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	d, err := Suggest(context.Background(), path, acmeFormat(t), Options{Source: source.Options{Sheet: "Verkäufe"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Entity != "sales" || d.Source.Sheet != "Verkäufe" || d.Source.Delimiter != "" {
		t.Fatalf("draft %s %+v", d.Entity, d.Source)
	}
	for field, want := range map[string]string{
		"external_id": "trim(Belegnummer)", "date": `date(Datum, "YYYY-MM-DD")`, "amount": "trim(Betrag)",
		"currency": `trim(col("Währung"))`, "product": "trim(Artikel)",
	} {
		if got := d.field(field).Expr; got != want {
			t.Errorf("%s: %s, want %s", field, got, want)
		}
	}
	if !strings.Contains(string(d.YAML()), "sheet: Verkäufe") {
		t.Errorf("no sheet in the draft:\n%s", d.YAML())
	}
}
