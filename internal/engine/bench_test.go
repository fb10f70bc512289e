package engine

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/project"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/recipe"
)

// benchRows is the size of the check benchmark; HANDOVER_BENCH_ROWS
// overrides it (the figure is for 1,000,000).
func benchRows() int {
	if n, err := strconv.Atoi(os.Getenv("HANDOVER_BENCH_ROWS")); err == nil && n > 0 {
		return n
	}
	return 200_000
}

// writeBenchContacts writes a 20-column contacts file in a customer's own
// format: ';', DD.MM.YYYY, Swiss phones, de-CH decimals, quoted notes.
func writeBenchContacts(w io.Writer, rows int) error {
	bw := bufio.NewWriterSize(w, 1<<20)
	fmt.Fprintln(bw, "ID;Anrede;Vorname;Nachname;Firma;Strasse;PLZ;Ort;Land;Telefon;Mobile;EMail;Geburtsdatum;Kategorie;Status;Umsatz;Notiz;Erstellt;Sprache;Aktiv")
	cats := []string{"Gold", "Standard", "Presse"}
	for i := range rows {
		date := fmt.Sprintf("%02d.%02d.%d", i%28+1, i%12+1, 1940+i%60)
		if i%100 == 7 {
			date = "31.02.1980"
		}
		fmt.Fprintf(bw, "C%07d;Herr;Hans %d;  Müller%d ;S%04d;Bahnhofstrasse %d;%d;Zürich;Schweiz;044 %03d %02d %02d;079 %03d %02d %02d;Hans.Mueller%d@Example.CH;%s;%s;aktiv;%d'%03d.%02d;\"Notiz; mit \"\"Zitat\"\" %d\";%s 10:%02d;de;ja\n",
			i, i, i, i%1000, i%200, 8000+i%1000, i%1000, i%100, (i/7)%100, i%1000, i%100, (i/3)%100, i,
			date, cats[i%3], i%100, i%1000, i%100, i, date, i%60)
	}
	return bw.Flush()
}

func benchProject(b *testing.B, dir string) (*project.Project, *extract.Extraction) {
	b.Helper()
	e := &format.Entity{Name: "contacts", Table: "contacts", Key: "external_id"}
	add := func(name string, t format.Type, mod func(*format.Field)) {
		f := &format.Field{Name: name, Column: name, Type: t, Scale: -1}
		if mod != nil {
			mod(f)
		}
		e.Fields = append(e.Fields, f)
	}
	add("external_id", format.String, func(f *format.Field) { f.Required = true })
	add("salutation", format.String, nil)
	add("first_name", format.String, nil)
	add("last_name", format.String, func(f *format.Field) { f.Required = true; f.MaxLength = 100 })
	add("street", format.String, nil)
	add("zip", format.String, func(f *format.Field) { f.Pattern = `[0-9]{4}` })
	add("city", format.String, nil)
	add("country", format.Country, nil)
	add("phone", format.Phone, nil)
	add("mobile", format.Phone, nil)
	add("email", format.Email, nil)
	add("birth_date", format.Date, nil)
	add("category", format.Enum, func(f *format.Field) { f.Values = []string{"VIP", "REGULAR", "PRESS"} })
	add("revenue", format.Decimal, func(f *format.Field) { f.Scale = 2 })
	add("note", format.String, nil)
	add("created", format.Datetime, nil)
	if err := e.Compile(); err != nil {
		b.Fatal(err)
	}
	r := &recipe.Recipe{Entity: "contacts", Source: recipe.Source{File: "kontakte.csv", Encoding: "utf-8", Delimiter: ";"},
		Filter: `Status != "gelöscht"`,
		Fields: []recipe.FieldExpr{
			{Field: "external_id", Expr: "ID"},
			{Field: "salutation", Expr: "trim(Anrede)"},
			{Field: "first_name", Expr: "title(trim(Vorname))"},
			{Field: "last_name", Expr: "upper(trim(Nachname))"},
			{Field: "street", Expr: "trim(Strasse)"},
			{Field: "zip", Expr: "PLZ"},
			{Field: "city", Expr: "trim(Ort)"},
			{Field: "country", Expr: "country(Land)"},
			{Field: "phone", Expr: `phone(Telefon, "CH")`},
			{Field: "mobile", Expr: `phone(Mobile, "CH")`},
			{Field: "email", Expr: "lower(trim(EMail))"},
			{Field: "birth_date", Expr: `date(Geburtsdatum, "DD.MM.YYYY")`},
			{Field: "category", Expr: `lookup("kategorien", Kategorie)`},
			{Field: "revenue", Expr: `number(Umsatz, "de-CH")`},
			{Field: "note", Expr: "trim(Notiz)"},
			{Field: "created", Expr: `datetime(Erstellt, "DD.MM.YYYY HH:mm")`},
		}}
	p := &project.Project{Dir: dir, Migration: "bench",
		Format:  &format.Format{Entities: []*format.Entity{e}},
		Recipes: map[string]*recipe.Recipe{"contacts": r},
		Lookups: recipe.Lookups{"kategorien": {"Gold": "VIP", "Standard": "REGULAR", "Presse": "PRESS"}},
	}
	path := filepath.Join(dir, "kontakte.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	h := sha256.New()
	if err := writeBenchContacts(io.MultiWriter(f, h), benchRows()); err != nil {
		b.Fatal(err)
	}
	st, _ := f.Stat()
	f.Close()
	x := &extract.Extraction{Dir: dir}
	x.Number = 1
	x.Files = []extract.File{{Path: "kontakte.csv", Size: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}}
	return p, x
}

// BenchmarkCheck measures check of a 20-column, 16-expression contacts
// file with rejects written; rows/s is the figure the issue asks for.
func BenchmarkCheck(b *testing.B) {
	dir := b.TempDir()
	p, x := benchProject(b, dir)
	rows := benchRows()
	b.ResetTimer()
	start := time.Now()
	for i := range b.N {
		proto, err := runEngine(context.Background(), runOptions{Project: p, Kind: protocol.KindCheck, Options: Options{Extraction: x, Run: i + 1, Artifacts: filepath.Join(dir, "runs", strconv.Itoa(i)), Version: "bench"}})
		if err != nil {
			b.Fatal(err)
		}
		if c := proto.Entities[0]; c.Read != int64(rows) || c.Rejected == 0 {
			b.Fatalf("counts %+v", c)
		}
	}
	b.ReportMetric(float64(rows*b.N)/time.Since(start).Seconds(), "rows/s")
}
