package engine

import (
	"context"
	"strings"
	"testing"

	"github.com/handover/handover/internal/recipe"
)

// A contacts export split over two files, each with a title line above
// its header and a totals line below its data: one source, rejects name
// the file and its own line.
func TestSourceOverSeveralFilesWithTitleAndFooter(t *testing.T) {
	head := "Kontakte ACME\nID;Nachname;EMail;Geburtsdatum;Firma;Status\n"
	f := newFixture(t, map[string]string{
		"firmen.csv":     firmen,
		"kontakte_1.csv": head + "C1;Muster;a@x.ch;;S1;aktiv\nC2;Meier;bad;;S1;aktiv\nTotal;2\n",
		"kontakte_2.csv": head + "C3;Noser;n@x.ch;;S3;aktiv\nC4;Kurz;kaputt;;S3;aktiv\nTotal;2\n",
		"kontakte_X.txt": "not part of it",
	})
	c := f.project.Recipes["contacts"]
	c.Source.File, c.Source.HeaderRow, c.Source.FooterRows = "kontakte_*.csv", 2, 1
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	e := p.Entities[1]
	if e.Read != 4 || e.Rejected != 2 || e.Valid != 2 {
		t.Errorf("read/rejected/valid %d/%d/%d, want 4/2/2", e.Read, e.Rejected, e.Valid)
	}
	if len(p.Hashes.Inputs) != 3 || p.Hashes.Inputs["kontakte_2.csv"] == "" {
		t.Errorf("input hashes %v, want firmen and both contacts files", p.Hashes.Inputs)
	}
	rej := readFile(t, f.artifact+"/rejects/contacts.csv")
	if !strings.HasPrefix(rej, "line,errors,source_file,ID,") ||
		!strings.Contains(rej, "4,") || !strings.Contains(rej, ",kontakte_1.csv,C2,") || !strings.Contains(rej, ",kontakte_2.csv,C4,") {
		t.Errorf("rejects:\n%s", rej)
	}
	if got := rejectLines(t, rej); len(got) != 2 || got[0] != 4 || got[1] != 4 {
		t.Errorf("reject lines %v, want line 4 of each file", got)
	}
}

func TestSourceWarningsReachTheProtocol(t *testing.T) {
	f := newFixture(t, map[string]string{
		"firmen.csv":   "ID;Name;Name;\nS1;Alpha;x;y\n",
		"kontakte.csv": kontakte,
	})
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(p.Warnings, "\n")
	if !strings.Contains(got, `firmen.csv:1: column name "Name" appears again in column 3: it is called Name_2`) ||
		!strings.Contains(got, "firmen.csv:1: column 4 has no name: it is called column_4") || strings.Contains(got, f.x.Dir) {
		t.Errorf("warnings:\n%s", got)
	}
}

func TestDatabaseSourceWithoutSnapshot(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	f.project.Recipes["contacts"].Source = recipeDBSource()
	_, err := runEngine(context.Background(), f.options(nil))
	if err == nil || !strings.Contains(err.Error(), "source is a database: extraction 1 holds no snapshot of it (run handover receive --databases)") {
		t.Errorf("error %v", err)
	}
}

func recipeDBSource() recipe.Source {
	return recipe.Source{Database: "${LEGACY_DB_URL}", Table: "kunden"}
}

// A table of a pg_dump file as the source: a COPY row with a field
// missing and a truncated end are rejects with their lines, not a failed run.
func TestSourceFromDumpTable(t *testing.T) {
	dump := "-- PostgreSQL database dump\n" +
		"COPY public.kontakte (\"ID\", \"Nachname\", \"EMail\", \"Geburtsdatum\", \"Firma\", \"Status\") FROM stdin;\n" +
		"C1\tMuster\ta@x.ch\t\\N\tS1\taktiv\n" + // line 3 valid
		"C2\tKurz\tS1\taktiv\n" + // line 4 rejected: a field missing
		"C3\tNoser\tn@x.ch\t\\N\tS3\taktiv\n" // line 5 valid; then the dump ends without \.
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "alt.sql": dump})
	f.project.Recipes["contacts"].Source = recipe.Source{File: "alt.sql", Table: "kontakte"}
	p, err := runEngine(context.Background(), f.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	e := p.Entities[1]
	if e.Read != 4 || e.Rejected != 2 || e.Valid != 2 {
		t.Errorf("read/rejected/valid %d/%d/%d, want 4/2/2", e.Read, e.Rejected, e.Valid)
	}
	rej := readFile(t, f.artifact+"/rejects/contacts.csv")
	if got := rejectLines(t, rej); len(got) != 2 || got[0] != 4 || got[1] != 6 || !strings.Contains(rej, "it is truncated") {
		t.Errorf("rejects at %v:\n%s", got, rej)
	}
}
