package main

import (
	"fmt"
	"strings"
	"time"
)

// firms are the generated structures; good lists the IDs of rows that load.
type firms struct {
	rows [][]string
	good []string
}

// contacts are the generated contacts: good are active rows that load
// (with their firm), deleted are rows the recipe filters out.
type contacts struct {
	rows     [][]string
	good     []string
	goodFirm []string
	deleted  []string
}

const (
	firmCount    = 300
	contactCount = 2000
	saleCount    = 5000
)

func genFirms(r *rng) *firms {
	f := &firms{rows: [][]string{{"ID", "Firmenname", "Strasse", "PLZ", "Ort", "Land", "Telefon", "UID-Nr", "Branche"}}}
	broken := 0
	for i := 1; i <= firmCount; i++ {
		id := fmt.Sprintf("F%04d", i)
		p := randomPlace(r)
		name := r.pick(lastNames) + " " + r.pick(firmSuffix)
		if r.chance(0.3) {
			name = r.pick(firmPrefix) + " " + r.pick(lastNames)
		}
		uid := ""
		if p.country == "Schweiz" || p.country == "CH" {
			uid = fmt.Sprintf("CHE-%03d.%03d.%03d", r.intn(1000), r.intn(1000), r.intn(1000))
		}
		row := []string{id, name, address(r), p.zip, p.city, p.country, phone(r, p.area), uid, r.pick(industries)}
		if i%33 == 17 {
			switch broken % 5 {
			case 0:
				row[1] = "" // name is required
			case 1:
				row[7] = strings.NewReplacer("-", "", ".", "").Replace(row[7]) // CHE123456789
				if row[7] == "" {
					row[7] = "CHE123456789"
				}
			case 2:
				row[0] = f.rows[len(f.rows)-5][0] // duplicate ID
				f.good = remove(f.good, row[0])
			case 3:
				row[5] = "Atlantis"
			case 4:
				row = row[:len(row)-1] // ragged: Branche missing
			}
			broken++
		} else {
			f.good = append(f.good, id)
		}
		f.rows = append(f.rows, row)
	}
	return f
}

func genContacts(r *rng, fs *firms) *contacts {
	c := &contacts{rows: [][]string{{"ID", "Anrede", "Vorname", "Nachname", "Firma_ID", "Strasse", "PLZ", "Ort",
		"Land", "Telefon", "Mobile", "EMail", "Geburtsdatum", "Kategorie", "Status", "Umsatz", "Notiz", "Erstellt",
		"Sprache", "Newsletter"}}}
	emails := map[string]bool{}
	broken := 0
	for i := 1; i <= contactCount; i++ {
		id := fmt.Sprintf("%d", 100000+i)
		row := contactRow(r, id, fs, emails)
		switch {
		case i%33 == 5:
			row = breakContact(broken, row, c)
			broken++
		case i%31 == 11:
			row[14] = "gelöscht"
			c.deleted = append(c.deleted, id)
		default:
			c.good = append(c.good, id)
			c.goodFirm = append(c.goodFirm, row[4])
		}
		c.rows = append(c.rows, row)
	}
	return c
}

func contactRow(r *rng, id string, fs *firms, emails map[string]bool) []string {
	male := r.chance(0.5)
	first, salutation := r.pick(femaleNames), "Frau"
	if male {
		first, salutation = r.pick(maleNames), "Herr"
	}
	if r.chance(0.04) {
		salutation += " Dr."
	}
	last := r.pick(lastNames)
	p := randomPlace(r)
	firm := ""
	if r.chance(0.6) {
		firm = r.pick(fs.good)
	}
	return []string{id, salutation, first, last, firm, address(r), p.zip, p.city, p.country,
		maybe(r, 0.85, phone(r, p.area)), maybe(r, 0.5, mobile(r)), maybe(r, 0.9, email(r, first, last, emails)),
		maybe(r, 0.8, date(r, 1940, 2003)), r.pick(categories), status(r), maybe(r, 0.9, money(r, 5_000_000)),
		maybe(r, 0.25, r.pick(notes)), date(r, 2005, 2025) + fmt.Sprintf(" %02d:%02d", r.between(7, 18), r.intn(60)),
		language(r, p), yesNo(r)}
}

// breakContact spoils one contact row in the next of eight realistic ways.
func breakContact(n int, row []string, c *contacts) []string {
	switch n % 8 {
	case 0:
		row[12] = "31.02.1980"
	case 1:
		row[11] = "n/a"
	case 2:
		row[13] = "Lieferant" // not in the kategorien lookup
	case 3:
		row[4] = "F9999" // no such firm
	case 4:
		row[0] = c.good[len(c.good)-3] // the same ID twice
		c.goodFirm = removeAt(c.goodFirm, len(c.good)-3)
		c.good = removeAt(c.good, len(c.good)-3)
	case 5:
		row = row[:len(row)-1] // ragged: Newsletter missing
	case 6:
		row[3] = "Müller-Lüdenscheidt von und zu Hohenstein-Wattenwyl-Bernasconi"
	case 7:
		row[9] = "12 34"
	}
	return row
}

func genSales(r *rng, cs *contacts) [][]string {
	rows := [][]string{{"Beleg_Nr", "Datum", "Kontakt_ID", "Firma_ID", "Produkt", "Menge", "Betrag", "Währung"}}
	broken := 0
	for i := 1; i <= saleCount; i++ {
		k := r.intn(len(cs.good))
		qty := r.between(1, 12)
		currency := "CHF"
		switch x := r.intn(100); {
		case x < 10:
			currency = "EUR"
		case x < 14:
			currency = "USD"
		case x < 18:
			currency = "chf"
		}
		row := []string{fmt.Sprintf("R-%06d", 200000+i), date(r, 2021, 2026), cs.good[k], cs.goodFirm[k],
			r.pick(products), fmt.Sprint(qty), money(r, 250_000*qty), currency}
		if i%35 == 9 {
			switch broken % 6 {
			case 0:
				row[2] = "999999" // no such contact
			case 1:
				row[1] = "31.04.2024"
			case 2:
				row[6] = "n/a"
			case 3:
				row[7] = "SFr."
			case 4:
				row[4] = ""
			case 5:
				row[2] = cs.deleted[broken%len(cs.deleted)] // a contact the recipe filters out
			}
			broken++
		}
		rows = append(rows, row)
	}
	return rows
}

func randomPlace(r *rng) place {
	if r.chance(0.08) {
		return foreignPlaces[r.intn(len(foreignPlaces))]
	}
	return swissPlaces[r.intn(len(swissPlaces))]
}

func address(r *rng) string {
	return fmt.Sprintf("%s %d", r.pick(streets), r.between(1, 120))
}

// phone writes a number the many ways Swiss customers do.
func phone(r *rng, area string) string {
	switch {
	case area == "+423": // Liechtenstein: seven digits
		return fmt.Sprintf("+423 %d %d %d", r.between(230, 239), r.between(10, 99), r.between(10, 99))
	case strings.HasPrefix(area, "+"):
		return fmt.Sprintf("%s %d", area, r.between(100000, 999999))
	}
	a, b, c := r.between(100, 999), r.between(10, 99), r.between(10, 99)
	switch r.intn(5) {
	case 0:
		return fmt.Sprintf("+41 %s %d %d %d", area[1:], a, b, c)
	case 1:
		return fmt.Sprintf("0041 %s %d %d %d", area[1:], a, b, c)
	case 2:
		return fmt.Sprintf("%s/%d %d %d", area, a, b, c)
	case 3:
		return fmt.Sprintf("%s%d%d%d", area, a, b, c)
	default:
		return fmt.Sprintf("%s %d %d %d", area, a, b, c)
	}
}

func mobile(r *rng) string {
	prefix := r.pick([]string{"076", "077", "078", "079"})
	return phone(r, prefix)
}

func email(r *rng, first, last string, seen map[string]bool) string {
	local := ascii(first) + "." + ascii(last)
	if r.chance(0.2) {
		local = ascii(first)[:1] + "." + ascii(last)
	}
	domain := r.pick(mailDomains)
	addr := local + "@" + domain
	for n := 2; seen[strings.ToLower(addr)]; n++ {
		addr = fmt.Sprintf("%s%d@%s", local, n, domain)
	}
	seen[strings.ToLower(addr)] = true
	if r.chance(0.1) {
		addr = strings.ToUpper(addr[:1]) + addr[1:]
	}
	return addr
}

var asciiReplacer = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue",
	"é", "e", "è", "e", "ê", "e", "ë", "e", "É", "E", "à", "a", "ç", "c", "ô", "o", " ", "", "-", "")

func ascii(s string) string { return strings.ToLower(asciiReplacer.Replace(s)) }

// date returns a valid DD.MM.YYYY between 1 January of from and 31
// December of to, at the latest on the extraction day.
func date(r *rng, from, to int) string {
	start := time.Date(from, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(to, 12, 31, 0, 0, 0, 0, time.UTC)
	if extracted := time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC); end.After(extracted) {
		end = extracted
	}
	days := int(end.Sub(start).Hours() / 24)
	return start.AddDate(0, 0, r.intn(days+1)).Format("02.01.2006")
}

// money formats up to maxCents as the Swiss write it: 1'234.50.
func money(r *rng, maxCents int) string {
	cents := r.intn(maxCents)
	whole := fmt.Sprint(cents / 100)
	var b strings.Builder
	for i, d := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte('\'')
		}
		b.WriteRune(d)
	}
	return fmt.Sprintf("%s.%02d", b.String(), cents%100)
}

func status(r *rng) string {
	if r.chance(0.05) {
		return "inaktiv"
	}
	return "aktiv"
}

func language(r *rng, p place) string {
	switch p.city {
	case "Genève", "Lausanne", "Fribourg", "Saint-Louis":
		return "Französisch"
	case "Lugano", "Como":
		return "Italienisch"
	}
	return r.pick(languages)
}

func yesNo(r *rng) string {
	if r.chance(0.4) {
		return "ja"
	}
	return "nein"
}

func maybe(r *rng, p float64, v string) string {
	if r.chance(p) {
		return v
	}
	return ""
}

func remove(xs []string, v string) []string {
	for i, x := range xs {
		if x == v {
			return removeAt(xs, i)
		}
	}
	return xs
}

func removeAt(xs []string, i int) []string { return append(xs[:i], xs[i+1:]...) }
