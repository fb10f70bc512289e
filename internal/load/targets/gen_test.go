package targets

import (
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/loadtest"
)

// benchFormat has structures and a 20-field contacts entity referencing
// them, as in the performance targets.
func benchFormat() *format.Format {
	fields := func(specs ...string) []*format.Field {
		var fs []*format.Field
		for i := 0; i < len(specs); i += 2 {
			f := &format.Field{Name: specs[i], Column: specs[i], Type: format.Type(specs[i+1]), Scale: -1}
			if f.Type == format.Ref {
				f.Entity = "structures"
			}
			fs = append(fs, f)
		}
		return fs
	}
	return &format.Format{Entities: []*format.Entity{
		{Name: "structures", Table: "structures", Key: "external_id", Fields: fields("external_id", "string", "name", "string")},
		{Name: "contacts", Table: "contacts", Key: "external_id", Fields: fields(
			"external_id", "string", "first_name", "string", "last_name", "string", "email", "email",
			"phone", "phone", "street", "string", "zip", "string", "city", "string", "country", "country",
			"birth_date", "date", "created_at", "datetime", "category", "enum", "score", "int",
			"balance", "decimal", "active", "bool", "language", "string", "title", "string",
			"company", "string", "notes", "string", "structure", "ref")},
	}}
}

const benchStructures = 1000

// pools of values the generated rows pick from (the key and the e-mail
// are unique per row).
type genPools struct {
	first, last, phone, street, zip, city, country, birth, created, score, balance, company, notes, structure []string
}

func newGenPools() *genPools {
	p := &genPools{}
	for i := range 1000 {
		p.phone = append(p.phone, fmt.Sprintf("+4144%07d", i*7919%10000000))
		p.score = append(p.score, strconv.Itoa(i-200))
		p.balance = append(p.balance, fmt.Sprintf("%d.%02d", i*37, i%100))
		p.company = append(p.company, fmt.Sprintf("ACME %d AG", i))
	}
	for i := range 500 {
		p.first = append(p.first, fmt.Sprintf("First%d", i))
		p.last = append(p.last, fmt.Sprintf("LAST%d", i*13))
		p.street = append(p.street, fmt.Sprintf("Bahnhofstrasse %d", i))
		p.zip = append(p.zip, strconv.Itoa(1000+i*17%9000))
		p.notes = append(p.notes, fmt.Sprintf("note %d: called, wants a callback", i))
	}
	for i := 1; i <= benchStructures; i++ {
		p.structure = append(p.structure, structureKey(i))
	}
	p.city = []string{"Zürich", "Bern", "Basel", "Genève", "Lausanne", "Luzern", "St. Gallen"}
	p.country = []string{"CH", "DE", "AT", "FR", "IT"}
	for i := range 3650 {
		y, d := 1950+i%50, 1+i%28
		p.birth = append(p.birth, fmt.Sprintf("%04d-%02d-%02d", y, 1+i%12, d))
		p.created = append(p.created, fmt.Sprintf("20%02d-%02d-%02dT%02d:%02d:%02dZ", 10+i%15, 1+i%12, d, i%24, i%60, (i*7)%60))
	}
	return p
}

// contact returns the values of generated contact i (from 1); salt
// changes the notes so that a later load sees changed rows.
func (p *genPools) contact(i int, salt string) []string {
	notes := ""
	if i%3 != 0 {
		notes = p.notes[i%len(p.notes)] + salt
	}
	active := "false"
	if i%2 == 0 {
		active = "true"
	}
	return []string{
		contactKey(i), p.first[i%len(p.first)], p.last[i%len(p.last)], "user" + strconv.Itoa(i) + "@example.com",
		p.phone[i%len(p.phone)], p.street[i%len(p.street)], p.zip[i%len(p.zip)], p.city[i%len(p.city)],
		p.country[i%len(p.country)], p.birth[i%len(p.birth)], p.created[i%len(p.created)],
		[]string{"VIP", "REGULAR", "PRESS"}[i%3], p.score[i%len(p.score)], p.balance[i%len(p.balance)], active,
		"de", "Dr.", p.company[i%len(p.company)], notes, p.structure[i%benchStructures],
	}
}

// contactKey is "C" and i in 8 digits.
func contactKey(i int) string {
	var b [9]byte
	b[0] = 'C'
	for k := 8; k > 0; k-- {
		b[k] = byte('0' + i%10)
		i /= 10
	}
	return string(b[:])
}

func structureKey(i int) string { return fmt.Sprintf("S%04d", i) }

// genBatches yields contacts from..to-1 lazily, batch by batch, like the
// engine does: memory stays flat however many rows there are.
type genBatches struct {
	p        *genPools
	next, to int
	salt     func(i int) string
	// block, when set, is called before every batch after the first.
	block func()
}

func (g *genBatches) Next(ctx context.Context) ([]load.Record, error) {
	if g.block != nil && g.next > 1 {
		g.block()
	}
	if g.next >= g.to {
		return nil, io.EOF
	}
	n := min(1000, g.to-g.next)
	out := make([]load.Record, n)
	for k := range out {
		salt := ""
		if g.salt != nil {
			salt = g.salt(g.next)
		}
		out[k] = load.Record{Line: g.next + 1, Values: g.p.contact(g.next, salt)}
		g.next++
	}
	return out, nil
}

func genContacts(n int) *genBatches {
	return &genBatches{p: newGenPools(), next: 1, to: n + 1}
}

func structureBatches() load.Batches {
	var rs []load.Record
	for i := 1; i <= benchStructures; i++ {
		rs = append(rs, load.Record{Line: i + 1, Values: []string{structureKey(i), "Structure " + strconv.Itoa(i)}})
	}
	return &loadtest.SliceBatches{Rows: rs, N: 500}
}
