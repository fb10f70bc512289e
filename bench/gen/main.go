// Command gen writes the benchmark's messy customer delivery, its clean
// equivalent and the handover project that maps it. The output depends only
// on the flags: the same seed gives the same bytes. It streams, so 10M rows
// need no more memory than 1k.
//
//	go run ./bench/gen -rows 1000000 -out DIR [-seed S] [-extraction 2 -change 0.01] [-sales N]
//
// DIR receives:
//
//	delivery/kontakte.csv, delivery/firmen.csv   the customer's export: ";",
//	    Windows-1252, CRLF, DD.MM.YYYY dates, Swiss phone numbers, 1'234.50,
//	    quoted notes with ";" and "", ~1 % rows handover must reject
//	clean/contacts.csv, clean/structures.csv     what the target tables hold
//	    after the import (id first, ISO dates, E.164, plain decimals, no bad
//	    rows): the input of the floors (psql \copy, sqlite3 .import)
//	project/                                     handover.yaml, format.yaml,
//	    recipes/, lookups/
//	manifest.json                                the expected counts
//
// With -files N it writes N attachments to DIR/attachments/files/ instead,
// for the file transfer scenario.
//
// Extraction 2 (-extraction 2) is the same data with a share (-change) of
// the contacts changed: a delta import of it must update exactly those.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
)

func main() {
	var o options
	flag.IntVar(&o.rows, "rows", 10_000, "contacts to write (structures: rows/10)")
	flag.StringVar(&o.out, "out", "", "output directory (required)")
	flag.Uint64Var(&o.seed, "seed", 20261215, "random seed")
	flag.IntVar(&o.extraction, "extraction", 1, "extraction number: 2 changes -change of the contacts")
	flag.Float64Var(&o.change, "change", 0.01, "share of contacts extraction 2 changes")
	flag.Float64Var(&o.bad, "bad", 0.01, "share of rows handover must reject")
	flag.IntVar(&o.sales, "sales", 0, "also write this many sales (verkaeufe.csv, each referring to a contact) and the sales entity")
	flag.IntVar(&o.files, "files", 0, "write this many attachments to OUT/attachments/files/ instead of the delivery")
	flag.Parse()
	if o.files > 0 {
		if o.out == "" {
			fmt.Fprintln(os.Stderr, "gen: -out is required")
			os.Exit(2)
		}
		size, err := writeFiles(filepath.Join(o.out, "attachments"), o.seed, o.files)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		fmt.Printf("gen: %d files, %d bytes in %s\n", o.files, size, o.out)
		return
	}
	m, err := generate(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	sales := ""
	if m.Sales != nil {
		sales = fmt.Sprintf(", %d sales (%d rejected)", m.Sales.Read, m.Sales.Rejected)
	}
	fmt.Printf("gen: %d contacts (%d rejected, %d changed), %d structures (%d rejected)%s in %s\n",
		m.Contacts.Read, m.Contacts.Rejected, m.Contacts.Changed, m.Structures.Read, m.Structures.Rejected, sales, o.out)
}

// options are the generator's flags.
type options struct {
	rows       int
	out        string
	seed       uint64
	extraction int
	change     float64
	bad        float64
	sales      int
	files      int
}

// manifest is what handover must report for the delivery.
type manifest struct {
	Seed       uint64  `json:"seed"`
	Extraction int     `json:"extraction"`
	Structures counts  `json:"structures"`
	Contacts   counts  `json:"contacts"`
	Sales      *counts `json:"sales,omitempty"`
}

// counts are one entity's expected figures; Changed counts valid rows that
// differ from extraction 1.
type counts struct {
	Read     int `json:"read"`
	Rejected int `json:"rejected"`
	Valid    int `json:"valid"`
	Changed  int `json:"changed"`
}

func (o options) validate() error {
	switch {
	case o.out == "":
		return errors.New("-out is required")
	case o.rows < 1:
		return errors.New("-rows must be at least 1")
	case o.extraction != 1 && o.extraction != 2:
		return errors.New("-extraction must be 1 or 2")
	case o.sales < 0:
		return errors.New("-sales must not be negative")
	case o.change < 0 || o.change > 1 || o.bad < 0 || o.bad > 0.5:
		return errors.New("-change must be in [0, 1] and -bad in [0, 0.5]")
	}
	return nil
}

// generate writes everything into o.out and returns the manifest.
func generate(o options) (*manifest, error) {
	if err := o.validate(); err != nil {
		return nil, err
	}
	g := &gen{seed: o.seed, rows: o.rows, structures: max(1, o.rows/10),
		extraction: o.extraction, change: o.change, badRate: o.bad}
	for _, d := range []string{"delivery", "clean"} {
		if err := os.MkdirAll(filepath.Join(o.out, d), 0o755); err != nil {
			return nil, fmt.Errorf("create output: %w", err)
		}
	}
	if err := writeProject(filepath.Join(o.out, "project")); err != nil {
		return nil, err
	}
	if o.sales > 0 {
		if err := addSalesProject(filepath.Join(o.out, "project")); err != nil {
			return nil, err
		}
	}
	m := &manifest{Seed: o.seed, Extraction: o.extraction}
	err := writeEntity(o.out, "firmen.csv", "structures.csv", structureHeader, cleanStructureHeader,
		g.structures, g.structure, &m.Structures)
	if err != nil {
		return nil, err
	}
	err = writeEntity(o.out, "kontakte.csv", "contacts.csv", contactHeader, cleanContactHeader,
		g.rows, g.contact, &m.Contacts)
	if err != nil {
		return nil, err
	}
	if o.sales > 0 {
		m.Sales = &counts{}
		err = writeEntity(o.out, "verkaeufe.csv", "sales.csv", salesHeader, cleanSalesHeader, o.sales, g.sale, m.Sales)
		if err != nil {
			return nil, err
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(o.out, "manifest.json"), append(data, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("write manifest: %w", err)
	}
	return m, nil
}

// writeEntity streams rows 1..n of one entity to its delivery and clean
// files, counting them into c.
func writeEntity(out, deliveryName, cleanName string, header, cleanHeader []string,
	n int, rowAt func(int) row, c *counts) error {
	src, err := createDelivery(filepath.Join(out, "delivery", deliveryName))
	if err != nil {
		return err
	}
	dst, err := createClean(filepath.Join(out, "clean", cleanName))
	if err != nil {
		src.close()
		return err
	}
	src.write(header)
	dst.write(cleanHeader)
	for i := 1; i <= n; i++ {
		r := rowAt(i)
		src.write(r.raw)
		c.Read++
		if r.clean == nil {
			c.Rejected++
			continue
		}
		c.Valid++
		if r.changed {
			c.Changed++
		}
		dst.write(r.clean)
	}
	err = src.close()
	if e := dst.close(); err == nil {
		err = e
	}
	return err
}
