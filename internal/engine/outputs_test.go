package engine

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/handover/handover/internal/format"
)

// bigKontakte has enough rows for several batches, some of them rejects.
func bigKontakte(n int, twist string) string {
	var b strings.Builder
	b.WriteString("ID;Nachname;EMail;Geburtsdatum;Firma;Status\n")
	for i := range n {
		date := "01.02.1980"
		if i%7 == 3 {
			date = "31.02.1980" // a reject
		}
		name := fmt.Sprintf("name %d", i)
		if i == n/2 {
			name += twist
		}
		fmt.Fprintf(&b, "C%d;%s;c%d@x.ch;%s;S1;aktiv\n", i, name, i, date)
	}
	return b.String()
}

func TestOutputHashesStableAcrossWorkers(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": bigKontakte(3000, "")})
	var first map[string]string
	for i, workers := range []int{1, 4, 4, 1} {
		o := f.options(nil)
		o.Workers = workers
		o.Artifacts = filepath.Join(t.TempDir(), fmt.Sprint(i))
		p, err := runEngine(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for name, out := range p.Outputs {
			if !strings.HasPrefix(out.Valid, "sha256:") || !strings.HasPrefix(out.Rejects, "sha256:") {
				t.Fatalf("%s: output hashes %+v", name, out)
			}
			got[name] = out.Valid + " " + out.Rejects
		}
		if len(got) != 2 {
			t.Fatalf("outputs of %d entities, want 2", len(got))
		}
		if first == nil {
			first = got
		} else if fmt.Sprint(got) != fmt.Sprint(first) {
			t.Fatalf("%d workers: %v, first run: %v", workers, got, first)
		}
		rows, err := os.ReadFile(filepath.Join(o.Artifacts, OutputRowsPath("contacts")))
		if err != nil {
			t.Fatal(err)
		}
		if valid := p.Entities[1].Valid; int64(len(rows)) != valid*RowDigestSize {
			t.Fatalf("row digests: %d bytes for %d valid rows", len(rows), valid)
		}
	}
	// Another directory (another machine's paths) gives the same hashes.
	f3 := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": bigKontakte(3000, "")})
	p3, err := runEngine(context.Background(), f3.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c := p3.Outputs["contacts"]; c.Valid+" "+c.Rejects != first["contacts"] {
		t.Fatalf("in another directory: %+v, first %s", c, first["contacts"])
	}
	// One changed value changes the valid rows' hash and nothing else.
	f2 := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": bigKontakte(3000, "x")})
	p, err := runEngine(context.Background(), f2.options(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Outputs["contacts"]
	if strings.HasPrefix(first["contacts"], c.Valid) || !strings.HasSuffix(first["contacts"], c.Rejects) {
		t.Fatalf("after one change: %+v, before %s", c, first["contacts"])
	}
}

func TestGateRequiresTests(t *testing.T) {
	f := newFixture(t, map[string]string{"firmen.csv": firmen, "kontakte.csv": kontakte})
	f.project.Gate.TestsRequired = true
	p, _ := runEngine(context.Background(), f.options(nil))
	if p.Gate.Passed {
		t.Fatal("gate passed without tests")
	}
	last := p.Gate.Checks[len(p.Gate.Checks)-1]
	if last.Name != "tests" || last.Passed {
		t.Fatalf("tests check %+v", last)
	}
}

// BenchmarkRowDigest measures the digest of one valid row of 16 fields,
// computed on the transform workers.
func BenchmarkRowDigest(b *testing.B) {
	d := newRowDigester()
	row := []string{"K000123", "Muster", "hans.muster@example.ch", "1980-02-01", "S1", "+41441234567", "VIP",
		"Bahnhofstrasse 1", "8001", "Zürich", "CH", "DE", "1234.50", "2023-09-24 14:28:00", "note", "true"}
	var out rowDigest
	b.ReportAllocs()
	for range b.N {
		d.sum(row, &out)
	}
}

// BenchmarkOutputsAdd measures what the collector does per valid row:
// chaining its digest and writing it to the digests file.
func BenchmarkOutputsAdd(b *testing.B) {
	e := &format.Entity{Name: "contacts"}
	for i := range 16 {
		e.Fields = append(e.Fields, &format.Field{Name: fmt.Sprint("f", i)})
	}
	o, err := newOutputs(b.TempDir(), e)
	if err != nil {
		b.Fatal(err)
	}
	defer o.close()
	var d rowDigest
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := o.add(i, &d); err != nil {
			b.Fatal(err)
		}
	}
}
