package source

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// benchRows is how many rows BenchmarkCSV generates (about 170 MB).
const benchRows = 1_000_000

// writeBenchCSV writes a 20-column ';' file with some quoted fields
// (embedded delimiters, doubled quotes) and umlauts, in UTF-8 or
// windows-1252.
func writeBenchCSV(b *testing.B, cp1252 bool) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	var out io.Writer = f
	if cp1252 {
		out = charmap.Windows1252.NewEncoder().Writer(f)
	}
	w := bufio.NewWriterSize(out, 1<<20)
	for c := range 20 {
		if c > 0 {
			w.WriteByte(';')
		}
		fmt.Fprintf(w, "Spalte%d", c)
	}
	w.WriteString("\r\n")
	for i := range benchRows {
		fmt.Fprintf(w, "%d;Müller;Hans-Peter;\"Bahnhofstrasse %d; 3. Stock\";8001;Zürich;CH;+41 44 123 45 67;hans.mueller@example.ch;%02d.%02d.19%02d;VIP;\"sagt \"\"Grüezi\"\"\";A-%d;0;1;2023-01-01;Notiz ohne Quotes;x;y;€ %d.50\r\n",
			i, i%200, i%28+1, i%12+1, i%100, i, i%1000)
	}
	return path, flushed(b, w, f)
}

// contactNotes are kontakte.csv's notes as the bench delivers them: a
// third quoted, half of those with doubled quotes.
var contactNotes = []string{"", "", "", "Kunde seit 2010", "Adresse geprüft", "Spricht Französisch & Deutsch",
	`"Umgezogen; neue Adresse"`, `"Ex-Mitarbeiter von ""Alpen AG""; Vorsicht"`, `"Sagt: ""nur per E-Mail"""`}

// writeContactsCSV writes a file shaped like the bench's kontakte.csv
// (bench/gen): 20 columns, ~210 bytes a row, windows-1252, CRLF, a third
// of the rows with a quoted note.
func writeContactsCSV(b *testing.B) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "kontakte.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(charmap.Windows1252.NewEncoder().Writer(f), 1<<20)
	w.WriteString("ID;Anrede;Vorname;Nachname;Firma_ID;Strasse;PLZ;Ort;Land;Telefon;Mobile;EMail;Geburtsdatum;Kategorie;Umsatz;Notiz;Erstellt;Sprache;Newsletter;Status\r\n")
	for i := range benchRows {
		firma := ""
		if i%10 < 7 {
			firma = fmt.Sprintf("F%07d", i*7%100000)
		}
		fmt.Fprintf(w, "K%08d;Herr Dr.;Marie-Thérèse;Müller;%s;Rütistrasse %d;8200;Schaffhausen;Schweiz;052 887 67 94;+41 78 389 63 61;marie.mueller%d@example.com;%02d.%02d.19%02d;Stammkunde;%d'%03d.85;%s;04.08.2017 19:33;Französisch;ja;aktiv\r\n",
			i, firma, i%150, i, i%28+1, i%12+1, i%70+30, i%50, i%1000, contactNotes[i%len(contactNotes)])
	}
	return path, flushed(b, w, f)
}

// BenchmarkCSV reads a generated file end to end; it reports MB/s of
// input and rows/s, by the clock and per CPU second. "contacts" is shaped
// like the bench's kontakte.csv; HANDOVER_BENCH_CSV names a real file to
// read instead (windows-1252, ';', 20 columns).
func BenchmarkCSV(b *testing.B) {
	for _, tc := range []struct {
		name   string
		cp1252 bool
		enc    string
	}{{"utf-8", false, "utf-8"}, {"windows-1252", true, "windows-1252"}, {"contacts", true, "windows-1252"}} {
		b.Run(tc.name, func(b *testing.B) {
			var path string
			var size int64
			switch real := os.Getenv("HANDOVER_BENCH_CSV"); {
			case tc.name != "contacts":
				path, size = writeBenchCSV(b, tc.cp1252)
			case real != "":
				st, err := os.Stat(real)
				if err != nil {
					b.Fatal(err)
				}
				path, size = real, st.Size()
			default:
				path, size = writeContactsCSV(b)
			}
			ctx := context.Background()
			b.SetBytes(size)
			rows, cpu0 := 0, cpuTime()
			for b.Loop() {
				r, err := Open(ctx, path, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if r.Encoding() != tc.enc || r.Delimiter() != ";" {
					b.Fatalf("detected %s %q", r.Encoding(), r.Delimiter())
				}
				for {
					row, err := r.Next(ctx)
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						b.Fatal(err)
					}
					if len(row.Values) != 20 {
						b.Fatalf("line %d: %d values", row.Line, len(row.Values))
					}
					rows++
				}
				r.Close()
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			if cpu := (cpuTime() - cpu0).Seconds(); cpu > 0 {
				// Throughput per CPU second (reading and GC), which a
				// busy shared machine does not distort.
				b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu, "MB/cpu-s")
				b.ReportMetric(float64(rows)/cpu, "rows/cpu-s")
			}
		})
	}
}

// BenchmarkScanPlain splits 20,000 contacts-shaped records held in memory
// (decoded text, as the scanner gets it) without making their values:
// the scanning alone.
func BenchmarkScanPlain(b *testing.B) {
	var buf bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&buf, "K%08d;Herr Dr.;Marie-Thérèse;Müller;F%07d;Rütistrasse %d;8200;Schaffhausen;Schweiz;052 887 67 94;+41 78 389 63 61;marie.mueller%d@example.com;%02d.%02d.19%02d;Stammkunde;%d'%03d.85;%s;04.08.2017 19:33;Französisch;ja;aktiv\r\n",
			i, i*7%100000, i%150, i, i%28+1, i%12+1, i%70+30, i%50, i%1000, contactNotes[i%len(contactNotes)])
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	s := newScanner("bench.csv", bytes.NewReader(nil), 0)
	s.setDelim(';')
	s.eof, s.trusted = true, true
	for b.Loop() {
		s.buf, s.r, s.w = data, 0, len(data)
		for s.r < s.w {
			n, _, _ := s.scanPlain()
			if n < 0 {
				b.Fatalf("not plain at %d", s.r)
			}
			s.r += n
		}
	}
}

// flushed flushes w into f, closes f and returns its size.
func flushed(b *testing.B, w *bufio.Writer, f *os.File) int64 {
	b.Helper()
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(f.Name())
	if err != nil {
		b.Fatal(err)
	}
	return st.Size()
}
