package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
)

// salesHeader is the customer's column layout of verkaeufe.csv (written
// with -sales N only: the scale scenarios of bench/run.sh).
var salesHeader = []string{"Beleg", "Kunde", "Datum", "Betrag", "Artikel"}

// cleanSalesHeader is the target table's columns, in table order.
var cleanSalesHeader = []string{"id", "external_id", "contact", "sold_on", "amount", "product"}

var articles = []string{"Saisonabo", "Tageskarte", "Einzelticket", "Familienpass", "Gutschein", "VIP-Loge", "Parkplatz"}

func (g *gen) saleBad(k int) bool { return rowRNG(g.seed, streamSaleBad, k).chance(g.badRate) }

// goodContactIndex returns i or, when contact i is rejected, the next
// contact that is not, so that a good sale refers to a loaded contact.
func (g *gen) goodContactIndex(i int) int {
	for g.contactBad(i) {
		i = i%g.rows + 1
	}
	return i
}

// sale returns sale k (1-based): a contact's purchase.
func (g *gen) sale(k int) row {
	r := rowRNG(g.seed, streamSale, k)
	id := fmt.Sprintf("B%09d", k)
	c := g.goodContactIndex(1 + r.intn(g.rows))
	dateRaw, date := dateFor(r, 2015, 10)
	amountRaw, amount := revenue(r)
	article := pick(r, articles)
	raw := []string{id, fmt.Sprintf("K%08d", c), dateRaw, amountRaw, article}
	if g.saleBad(k) {
		b := rowRNG(g.seed, streamSaleBad, k)
		b.next()
		switch b.intn(3) {
		case 0:
			raw[1] = fmt.Sprintf("K%08d", g.rows+1+b.intn(1000)) // no such contact
		case 1:
			raw[2] = "31.02.2020"
		default:
			raw[3] = "-" + amountRaw
		}
		return row{raw: raw}
	}
	return row{raw: raw, clean: []string{strconv.Itoa(k), id, strconv.Itoa(c), date, amount, article}}
}

// salesFormat is the sales entity appended to format.yaml with -sales.
const salesFormat = `
  - name: sales
    key: external_id
    fields:
      - {name: external_id, type: string, required: true, max_length: 40}
      - {name: contact, type: ref, entity: contacts, required: true}
      - {name: sold_on, type: date, required: true, min: 2000-01-01}
      - {name: amount, type: decimal, scale: 2, min: 0}
      - {name: product, type: string, max_length: 100}
`

const salesRecipe = `entity: sales
source:
  file: verkaeufe.csv
  encoding: windows-1252
  delimiter: ";"
fields:
  external_id: trim(Beleg)
  contact: trim(Kunde)
  sold_on: date(Datum, "DD.MM.YYYY")
  amount: number(Betrag, "de-CH")
  product: trim(Artikel)
`

// addSalesProject adds the sales entity and its recipe to the project.
func addSalesProject(dir string) error {
	f, err := os.OpenFile(filepath.Join(dir, "format.yaml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("write project: %w", err)
	}
	_, err = f.WriteString(salesFormat)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, "recipes", "sales.yaml"), []byte(salesRecipe), 0o644)
	}
	if err != nil {
		return fmt.Errorf("write project: %w", err)
	}
	return nil
}
