package main

import (
	"fmt"
	"strconv"
	"strings"
)

// contactHeader is the customer's own column layout of kontakte.csv.
var contactHeader = []string{
	"ID", "Anrede", "Vorname", "Nachname", "Firma_ID", "Strasse", "PLZ", "Ort", "Land",
	"Telefon", "Mobile", "EMail", "Geburtsdatum", "Kategorie", "Umsatz", "Notiz",
	"Erstellt", "Sprache", "Newsletter", "Status",
}

// cleanContactHeader is the target table's columns, in table order.
var cleanContactHeader = []string{
	"id", "external_id", "salutation", "first_name", "last_name", "structure", "street",
	"zip", "city", "country", "phone", "mobile", "email", "birth_date", "category",
	"revenue", "note", "created", "language", "newsletter", "status",
}

// Indexes into contactHeader of the columns a bad row breaks.
const (
	cLastName = 3
	cFirma    = 4
	cStreet   = 5
	cPhone    = 9
	cEmail    = 11
	cBirth    = 12
	cCategory = 13
	cRevenue  = 14
	cNote     = 15
)

// row is one generated source row, the target row it becomes (nil when
// handover must reject it) and whether extraction 2 changed it.
type row struct {
	raw     []string
	clean   []string
	changed bool
}

// gen holds what every row depends on.
type gen struct {
	seed       uint64
	rows       int     // contacts
	structures int     // ≈ rows/10, at least 1
	extraction int     // 1 or 2
	change     float64 // share of rows extraction 2 changes
	badRate    float64
}

// contact returns contact i (1-based).
func (g *gen) contact(i int) row {
	raw, clean := g.goodContact(i)
	changed := g.extraction > 1 && rowRNG(g.seed, streamChange, i).chance(g.change)
	if changed {
		raw[cStreet] += "a"
		clean[cStreet+1] += "a"
		raw[cNote] = strings.TrimSpace(raw[cNote] + " Umgezogen; neue Adresse")
		clean[cNote+1] = raw[cNote]
	}
	if g.contactBad(i) {
		g.breakContact(i, raw)
		return row{raw: raw, changed: changed}
	}
	return row{raw: raw, clean: clean, changed: changed}
}

func (g *gen) contactBad(i int) bool {
	return rowRNG(g.seed, streamContactBad, i).chance(g.badRate)
}

// goodContact builds contact i as the customer exported it and as the
// target must hold it.
func (g *gen) goodContact(i int) (raw, clean []string) {
	r := rowRNG(g.seed, streamContact, i)
	id := fmt.Sprintf("K%08d", i)
	sal, first, last := pick(r, salutations), pick(r, firstNames), pick(r, lastNames)
	firma, structID := "", ""
	if r.chance(0.7) {
		j := g.goodStructure(r.intn(g.structures) + 1)
		firma, structID = structureKey(j), strconv.Itoa(j)
	}
	street := pick(r, streets) + " " + strconv.Itoa(1+r.intn(150))
	pl, ctry := pick(r, places), pick(r, countries)
	phoneRaw, phone := swissPhone(r, pl.area)
	mobileRaw, mobile := "", ""
	if r.chance(0.6) {
		mobileRaw, mobile = swissPhone(r, pick(r, []string{"076", "077", "078", "079"}))
	}
	emailRaw, email := "", ""
	if r.chance(0.9) {
		emailRaw, email = emailFor(r, first, last, i)
	}
	birthRaw, birth := "", ""
	if r.chance(0.95) {
		birthRaw, birth = dateFor(r, 1935, 70)
	}
	cat := pick(r, categories)
	revRaw, rev := "", ""
	if r.chance(0.8) {
		revRaw, rev = revenue(r)
	}
	note := pick(r, notes)
	createdRaw, created := datetimeFor(r)
	lang, news, status := pick(r, languages), pick(r, newsletters), pick(r, statuses)
	raw = []string{pad(r, id), sal.raw, pad(r, first), pad(r, last), firma, street, pl.zip, pl.city,
		ctry.raw, phoneRaw, mobileRaw, emailRaw, birthRaw, cat.raw, revRaw, pad(r, note),
		createdRaw, lang.raw, news.raw, status.raw}
	clean = []string{strconv.Itoa(i), id, sal.code, first, strings.ToUpper(last), structID, street,
		pl.zip, pl.city, ctry.code, phone, mobile, email, birth, cat.code, rev, note, created,
		lang.code, news.code, status.code}
	return raw, clean
}

// breakContact makes contact i one of the ~1 % of rows handover must reject,
// each for one reason a real delivery has.
func (g *gen) breakContact(i int, raw []string) {
	r := rowRNG(g.seed, streamContactBad, i)
	r.next()
	switch r.intn(8) {
	case 0:
		raw[cBirth] = pick(r, []string{"31.02.1985", "1985-03-12", "12.13.1980", "01.01.1899"})
	case 1:
		raw[cEmail] = pick(r, []string{"anna.mueller@", "anna mueller@bluewin.ch", "beat.meier.gmx.ch"})
	case 2:
		raw[cCategory] = pick(r, []string{"Gold", "Kundin", "Partner"})
	case 3:
		raw[cPhone] = pick(r, []string{"12 34", "044 123 45", "Tel. folgt"})
	case 4:
		raw[cRevenue] = pick(r, []string{"ca. 500", "-1'250.00", "12.50 CHF"})
	case 5:
		raw[cLastName] = pick(r, []string{"", "   "})
	case 6:
		raw[cFirma] = "F9999999"
	default:
		if i > 1 && !g.contactBad(i-1) {
			if _, prev := g.goodContact(i - 1); prev[cEmail+1] != "" {
				raw[cEmail] = prev[cEmail+1]
				return
			}
		}
		raw[cBirth] = "30.02.1990"
	}
}

// pad adds the stray spaces an old CRM keeps around values, now and then.
func pad(r *rng, s string) string {
	if s != "" && r.chance(0.05) {
		return " " + s + "  "
	}
	return s
}

// swissPhone returns a number as people typed it and as E.164.
func swissPhone(r *rng, area string) (raw, e164 string) {
	sub := strconv.Itoa(2+r.intn(8)) + fmt.Sprintf("%06d", r.intn(1_000_000))
	e164 = "+41" + area[1:] + sub
	grouped := sub[:3] + " " + sub[3:5] + " " + sub[5:]
	switch r.intn(5) {
	case 0:
		return "+41 " + area[1:] + " " + grouped, e164
	case 1:
		return "0041 " + area[1:] + " " + grouped, e164
	case 2:
		return area + " " + sub, e164
	}
	return area + " " + grouped, e164
}

// emailFor makes a unique address (it holds i) in the case people type.
func emailFor(r *rng, first, last string, i int) (raw, clean string) {
	local := asciiFold(first) + "." + asciiFold(last) + strconv.Itoa(i)
	domain := pick(r, []string{"bluewin.ch", "gmx.ch", "hispeed.ch", "example.com", "sunrise.ch"})
	clean = strings.ToLower(local + "@" + domain)
	switch r.intn(4) {
	case 0:
		return local + "@" + strings.ToUpper(domain[:1]) + domain[1:], clean
	case 1:
		return " " + clean + " ", clean
	}
	return clean, clean
}

// asciiFold turns a name into letters an e-mail address takes.
func asciiFold(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			b.WriteRune(c)
		case strings.ContainsRune("äÄ", c):
			b.WriteString("ae")
		case strings.ContainsRune("öÖøØ", c):
			b.WriteString("oe")
		case strings.ContainsRune("üÜ", c):
			b.WriteString("ue")
		case strings.ContainsRune("éèêëÉ", c):
			b.WriteString("e")
		case strings.ContainsRune("çÇ", c):
			b.WriteString("c")
		case strings.ContainsRune("àÀ", c):
			b.WriteString("a")
		}
	}
	return b.String()
}

// dateFor returns a date in [from, from+years) as DD.MM.YYYY and ISO.
func dateFor(r *rng, from, years int) (raw, iso string) {
	y, m := from+r.intn(years), 1+r.intn(12)
	d := 1 + r.intn(daysIn(y, m))
	return fmt.Sprintf("%02d.%02d.%04d", d, m, y), fmt.Sprintf("%04d-%02d-%02d", y, m, d)
}

// datetimeFor returns a time as DD.MM.YYYY HH:mm and RFC 3339 in UTC.
func datetimeFor(r *rng) (raw, iso string) {
	y, m := 2005+r.intn(20), 1+r.intn(12)
	d, hh, mm := 1+r.intn(daysIn(y, m)), r.intn(24), r.intn(60)
	return fmt.Sprintf("%02d.%02d.%04d %02d:%02d", d, m, y, hh, mm),
		fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:00Z", y, m, d, hh, mm)
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// revenue returns an amount as the Swiss write it ("1'234.50") and as a
// plain decimal with two places.
func revenue(r *rng) (raw, clean string) {
	cents := r.intn(5_000_000)
	whole, frac := cents/100, cents%100
	clean = fmt.Sprintf("%d.%02d", whole, frac)
	raw = thousands(whole)
	switch {
	case frac == 0 && r.chance(0.5):
		return raw, clean
	case frac%10 == 0 && r.chance(0.5):
		return raw + "." + strconv.Itoa(frac/10), clean
	}
	return raw + fmt.Sprintf(".%02d", frac), clean
}

// thousands writes n with ' between groups of three digits.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "'" + s[i:]
	}
	return s
}
