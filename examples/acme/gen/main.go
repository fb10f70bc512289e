// Command gen writes the acme example delivery: firmen.csv, kontakte.csv
// and verkaeufe.csv, ";"-delimited, Windows-1252, CRLF line ends, with a
// few percent of realistically broken rows. The output is byte-identical on
// every run (fixed seed, own random generator).
//
//	go run ./examples/acme/gen            # from the repository root
//	go run ./examples/acme/gen -o DIR
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

func main() {
	out := flag.String("o", filepath.Join("examples", "acme", "delivery"), "directory to write the delivery to")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range generate() {
		data, err := encode(f.rows)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// file is one generated CSV: a header row, then data rows.
type file struct {
	name string
	rows [][]string
}

// generate builds the three files from one seeded generator.
func generate() []file {
	r := &rng{state: 20261215}
	firms := genFirms(r)
	contacts := genContacts(r, firms)
	sales := genSales(r, contacts)
	return []file{
		{"firmen.csv", firms.rows},
		{"kontakte.csv", contacts.rows},
		{"verkaeufe.csv", sales},
	}
}

// encode writes rows as ";"-separated CSV with CRLF record ends, quoting
// values that hold ";", '"' or a line break, and encodes it as Windows-1252.
func encode(rows [][]string) ([]byte, error) {
	var b strings.Builder
	for _, row := range rows {
		for i, v := range row {
			if i > 0 {
				b.WriteByte(';')
			}
			if strings.ContainsAny(v, ";\"\r\n") {
				v = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
			}
			b.WriteString(v)
		}
		b.WriteString("\r\n")
	}
	return charmap.Windows1252.NewEncoder().Bytes([]byte(b.String()))
}

// rng is splitmix64: small, fast, and the same output on every Go version.
type rng struct{ state uint64 }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// between returns a number in [lo, hi].
func (r *rng) between(lo, hi int) int { return lo + r.intn(hi-lo+1) }

// chance is true with probability p.
func (r *rng) chance(p float64) bool { return float64(r.next()>>11)/(1<<53) < p }

func (r *rng) pick(xs []string) string { return xs[r.intn(len(xs))] }
