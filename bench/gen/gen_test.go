package main

import (
	"bytes"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	_ "modernc.org/sqlite"
)

const testRows = 10_000

func genDir(t *testing.T, o options) (string, *manifest) {
	t.Helper()
	o.out = t.TempDir()
	if o.rows == 0 {
		o.rows = testRows
	}
	if o.seed == 0 {
		o.seed = 20261215
	}
	if o.extraction == 0 {
		o.extraction = 1
	}
	if o.bad == 0 {
		o.bad = 0.01
	}
	m, err := generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return o.out, m
}

var outputs = []string{
	"delivery/kontakte.csv", "delivery/firmen.csv", "clean/contacts.csv", "clean/structures.csv",
	"manifest.json", "project/format.yaml", "project/recipes/contacts.yaml",
}

func TestDeterministic(t *testing.T) {
	a, _ := genDir(t, options{})
	b, _ := genDir(t, options{})
	c, _ := genDir(t, options{seed: 7})
	for _, f := range outputs {
		if !bytes.Equal(read(t, a, f), read(t, b, f)) {
			t.Errorf("%s differs between two runs with the same seed", f)
		}
	}
	if bytes.Equal(read(t, a, "delivery/kontakte.csv"), read(t, c, "delivery/kontakte.csv")) {
		t.Error("another seed gave the same kontakte.csv")
	}
}

func TestManifest(t *testing.T) {
	tests := []struct {
		name       string
		o          options
		wantChange bool
	}{
		{"extraction 1", options{}, false},
		{"extraction 2", options{extraction: 2, change: 0.01}, true},
		{"tiny", options{rows: 3}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, m := genDir(t, tt.o)
			rows := max(tt.o.rows, testRows*boolInt(tt.o.rows == 0))
			c := m.Contacts
			if c.Read != rows || m.Structures.Read != max(1, rows/10) {
				t.Fatalf("read %d contacts, %d structures; want %d, %d", c.Read, m.Structures.Read, rows, max(1, rows/10))
			}
			if c.Read != c.Valid+c.Rejected {
				t.Errorf("read %d != valid %d + rejected %d", c.Read, c.Valid, c.Rejected)
			}
			if rows >= 1000 && (c.Rejected < rows/200 || c.Rejected > rows*3/200) {
				t.Errorf("rejected %d of %d contacts, want about 1 %%", c.Rejected, rows)
			}
			if tt.wantChange != (c.Changed > 0) || c.Changed > rows*2/100 {
				t.Errorf("changed %d contacts", c.Changed)
			}
			if got := lines(t, dir, "delivery/kontakte.csv"); got != rows+1 {
				t.Errorf("kontakte.csv has %d records, want %d", got, rows+1)
			}
			if got := lines(t, dir, "clean/contacts.csv"); got != c.Valid+1 {
				t.Errorf("clean contacts.csv has %d records, want %d", got, c.Valid+1)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestExtractionTwoChangesOnlyChangedRows: structures are the same, and a
// contact differs exactly when the manifest counts it as changed (or it is
// a bad row that changed).
func TestExtractionTwoChangesOnlyChangedRows(t *testing.T) {
	one, _ := genDir(t, options{})
	two, m := genDir(t, options{extraction: 2, change: 0.01})
	if !bytes.Equal(read(t, one, "delivery/firmen.csv"), read(t, two, "delivery/firmen.csv")) {
		t.Error("extraction 2 changed firmen.csv")
	}
	a, b := records(t, one, "clean/contacts.csv"), records(t, two, "clean/contacts.csv")
	if len(a) != len(b) {
		t.Fatalf("clean contacts: %d rows, then %d", len(a), len(b))
	}
	diff := 0
	for i := range a {
		if strings.Join(a[i], ",") != strings.Join(b[i], ",") {
			diff++
		}
	}
	if diff != m.Contacts.Changed {
		t.Errorf("%d clean rows differ, manifest says %d changed", diff, m.Contacts.Changed)
	}
}

func read(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func records(t *testing.T, dir, name string) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(read(t, dir, name)))
	if strings.HasPrefix(name, "delivery/") {
		r.Comma = ';'
	}
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return recs
}

func lines(t *testing.T, dir, name string) int { return len(records(t, dir, name)) }

// handover builds the binary once per test.
func handover(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "handover")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/handover/handover/cmd/handover")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build handover: %v\n%s", err, out)
	}
	return bin
}

// run runs handover in the project, its environment in the SQLite file
// db, and decodes its --json protocol.
func run(t *testing.T, bin, project, db string, args ...string) map[string]counts {
	t.Helper()
	return runOn(t, bin, project, "sqlite://"+db, args...)
}

// runOn runs handover in the project, its environment at the database
// URL target, and decodes its --json protocol.
func runOn(t *testing.T, bin, project, target string, args ...string) map[string]counts {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-C", project, "--json"}, args...)...)
	cmd.Env = append(os.Environ(), "HOBENCH_DB="+target)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("handover %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if args[0] == "receive" {
		return nil
	}
	var p struct {
		Entities []struct {
			Name                           string
			Read, Rejected, Valid, Updated int
		}
	}
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("handover %s: %v", args[0], err)
	}
	got := map[string]counts{}
	for _, e := range p.Entities {
		got[e.Name] = counts{Read: e.Read, Rejected: e.Rejected, Valid: e.Valid, Changed: e.Updated}
	}
	return got
}

// TestHandoverAgrees runs handover on the generated project: check counts
// what the manifest expects, the import loads exactly the clean files, and
// extraction 2 updates exactly the changed rows.
func TestHandoverAgrees(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs handover")
	}
	bin := handover(t)
	one, m1 := genDir(t, options{})
	two, m2 := genDir(t, options{extraction: 2, change: 0.01})
	project := filepath.Join(one, "project")
	db := filepath.Join(one, "env.db")
	run(t, bin, project, db, "receive", filepath.Join(one, "delivery"))
	run(t, bin, project, db, "receive", filepath.Join(two, "delivery"))

	got := run(t, bin, project, db, "check", "--extraction", "1")
	m1.Contacts.Changed, m1.Structures.Changed = 0, 0
	want := map[string]counts{"contacts": m1.Contacts, "structures": m1.Structures}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("check: %v, want %v", got, want)
	}
	run(t, bin, project, db, "import", "--env", "bench", "--extraction", "1")
	compareTable(t, db, one)
	got = run(t, bin, project, db, "import", "--env", "bench", "--extraction", "2")
	if got["contacts"].Changed != m2.Contacts.Changed || got["structures"].Changed != 0 {
		t.Errorf("delta import updated %d contacts and %d structures, want %d and 0",
			got["contacts"].Changed, got["structures"].Changed, m2.Contacts.Changed)
	}
	compareTable(t, db, two)
}

// compareTable checks that the environment holds the clean files' rows,
// with the contacts' structure ids mapped through the structures' keys.
func compareTable(t *testing.T, db, dir string) {
	t.Helper()
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	queries := map[string]string{
		"clean/structures.csv": `SELECT id, external_id, name, street, zip, city, country, phone, uid FROM structures`,
		"clean/contacts.csv": `SELECT c.id, c.external_id, c.salutation, c.first_name, c.last_name, s.external_id,
			c.street, c.zip, c.city, c.country, c.phone, c.mobile, c.email, c.birth_date, c.category, c.revenue,
			c.note, c.created, c.language, c.newsletter, c.status
			FROM contacts c LEFT JOIN structures s ON s.id = c.structure`,
	}
	for file, q := range queries {
		want := map[string]string{}
		for _, r := range records(t, dir, file)[1:] {
			if file == "clean/contacts.csv" && r[5] != "" {
				n, err := strconv.Atoi(r[5])
				if err != nil {
					t.Fatalf("%s: structure %q", file, r[5])
				}
				r[5] = structureKey(n)
			}
			want[r[1]] = strings.Join(r[1:], "|")
		}
		rows, err := conn.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			vals := make([]sql.NullString, 21)
			ptrs := make([]any, len(vals))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			cols, _ := rows.Columns()
			if err := rows.Scan(ptrs[:len(cols)]...); err != nil {
				t.Fatal(err)
			}
			var parts []string
			for _, v := range vals[1:len(cols)] {
				parts = append(parts, v.String)
			}
			got := strings.Join(parts, "|")
			if w := want[parts[0]]; got != w && n < 5 {
				n++
				t.Errorf("%s: loaded %q\nclean file has %q", file, got, w)
			}
			delete(want, parts[0])
		}
		rows.Close()
		if len(want) > 0 {
			t.Errorf("%s: %d clean rows were not loaded", file, len(want))
		}
	}
}

// With -sales, handover rejects exactly the sales the manifest says and
// loads the others, each linked to the contact the clean file names.
func TestSalesAgree(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs handover")
	}
	bin := handover(t)
	dir, m := genDir(t, options{sales: 3000})
	if m.Sales == nil || m.Sales.Rejected == 0 || m.Sales.Valid == 0 {
		t.Fatalf("manifest sales %+v: want both valid and rejected sales", m.Sales)
	}
	project := filepath.Join(dir, "project")
	db := filepath.Join(dir, "env.db")
	run(t, bin, project, db, "receive", filepath.Join(dir, "delivery"))
	got := run(t, bin, project, db, "import", "--env", "bench", "--extraction", "1")
	if s := got["sales"]; s.Read != m.Sales.Read || s.Rejected != m.Sales.Rejected || s.Valid != m.Sales.Valid {
		t.Fatalf("import: sales %+v, manifest %+v", s, *m.Sales)
	}
	conn, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := map[string]string{}
	for _, r := range records(t, dir, "clean/sales.csv")[1:] {
		n, err := strconv.Atoi(r[2])
		if err != nil {
			t.Fatalf("clean sales: contact %q", r[2])
		}
		want[r[1]] = fmt.Sprintf("K%08d|%s|%s|%s", n, r[3], r[4], r[5])
	}
	rows, err := conn.Query(`SELECT s.external_id, c.external_id, s.sold_on, s.amount, s.product
		FROM sales s JOIN contacts c ON c.id = s.contact`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, contact, on, amount, product string
		if err := rows.Scan(&id, &contact, &on, &amount, &product); err != nil {
			t.Fatal(err)
		}
		if g := strings.Join([]string{contact, on, amount, product}, "|"); g != want[id] {
			t.Errorf("sale %s: loaded %q, clean file has %q", id, g, want[id])
		}
		delete(want, id)
	}
	if len(want) > 0 {
		t.Errorf("%d clean sales were not loaded", len(want))
	}
}
