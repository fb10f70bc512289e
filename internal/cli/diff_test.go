package cli

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

const (
	deltaFirmen    = "ID;Name;Ort;Land\nF001;Alpha AG;Bern;CH\nF002;Beta AG;Basel;CH\nF003;Gamma SA;Genf;CH\n"
	deltaKontakte1 = "ID;Anrede;Vorname;Nachname;Firma_ID;Telefon;EMail;Geburtsdatum;Kategorie;Status\n" +
		"K001;Herr;Hans;Eins;F001;;k1@example.ch;;Kunde;aktiv\n" +
		"K002;Frau;Anna;Zwei;F002;;k2@example.ch;;Kunde;aktiv\n" +
		"K003;Herr;Jon;Drei;F001;;k3@example.ch;;Kunde;aktiv\n" +
		"K004;Frau;Eva;Vier;F003;;k4@example.ch;;Kunde;aktiv\n" +
		"K005;Herr;Max;Fuenf;F002;;k5@example.ch;;Kunde;aktiv\n"
	// Extraction 2: K001 untouched, K002 renamed, K003 moved from F001 to
	// F002, K004 gone, K005 rejected (bad date), K006 new.
	deltaKontakte2 = "ID;Anrede;Vorname;Nachname;Firma_ID;Telefon;EMail;Geburtsdatum;Kategorie;Status\n" +
		"K001;Herr;Hans;Eins;F001;;k1@example.ch;;Kunde;aktiv\n" +
		"K002;Frau;Anna;Zwo;F002;;k2@example.ch;;Kunde;aktiv\n" +
		"K003;Herr;Jon;Drei;F002;;k3@example.ch;;Kunde;aktiv\n" +
		"K005;Herr;Max;Fuenf;F002;;k5@example.ch;31.02.1980;Kunde;aktiv\n" +
		"K006;Frau;Lea;Sechs;F003;;k6@example.ch;;Kunde;aktiv\n"
)

// deltaProject scaffolds a project whose contacts are deleted when absent,
// with its dev database at database (empty: the scaffold's SQLite), and
// writes two deliveries.
func deltaProject(t *testing.T, database string) (dir, d1, d2 string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "p")
	mustRun(t, "init", dir)
	edit(t, filepath.Join(dir, "format.yaml"), "  - name: contacts\n    key: external_id\n",
		"  - name: contacts\n    key: external_id\n    removed: delete\n")
	if database != "" {
		edit(t, filepath.Join(dir, "handover.yaml"), "database: sqlite://.handover/dev.db", "database: "+database)
	}
	d1, d2 = filepath.Join(t.TempDir(), "d1"), filepath.Join(t.TempDir(), "d2")
	writeFile(t, filepath.Join(d1, "firmen.csv"), deltaFirmen)
	writeFile(t, filepath.Join(d1, "kontakte.csv"), deltaKontakte1)
	writeFile(t, filepath.Join(d2, "firmen.csv"), deltaFirmen)
	writeFile(t, filepath.Join(d2, "kontakte.csv"), deltaKontakte2)
	return dir, d1, d2
}

// edit replaces old (which must occur) by new in the file at path.
func edit(t *testing.T, path, old, new string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s has no %q", path, old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}

func runJSON(t *testing.T, dir string, args ...string) *protocol.Protocol {
	t.Helper()
	code, out, errOut := runCLI(t, nil, append([]string{"-C", dir, "--json"}, args...)...)
	if code != 0 {
		t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, errOut)
	}
	var p protocol.Protocol
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%s --json: %v\n%s", strings.Join(args, " "), err, out)
	}
	return &p
}

func entityCounts(p *protocol.Protocol, name string) [9]int64 {
	for _, e := range p.Entities {
		if e.Name == name {
			return [9]int64{e.Read, e.Filtered, e.Rejected, e.Valid, e.Inserted, e.Updated, e.Unchanged, e.Removed, e.Absent}
		}
	}
	return [9]int64{}
}

func TestDiffThenDeltaImportSQLite(t *testing.T) {
	dir, d1, d2 := deltaProject(t, "")
	testDiffThenDeltaImport(t, dir, d1, d2, func(q string) [][]string {
		return sqliteRows(t, filepath.Join(dir, ".handover", "dev.db"), q)
	})
}

func TestDiffThenDeltaImportPostgres(t *testing.T) {
	url := testenv.FreshPostgres(t)
	dir, d1, d2 := deltaProject(t, url)
	testDiffThenDeltaImport(t, dir, d1, d2, func(q string) [][]string { return postgresRows(t, url, q) })
}

func testDiffThenDeltaImport(t *testing.T, dir, d1, d2 string, query func(string) [][]string) {
	mustRun(t, "-C", dir, "receive", d1)
	runJSON(t, dir, "import", "--env", "dev")
	ids := query("SELECT external_id, id FROM contacts ORDER BY 1")
	mustRun(t, "-C", dir, "receive", d2)

	diff := runJSON(t, dir, "diff", "--env", "dev")
	imp := runJSON(t, dir, "import", "--env", "dev")
	// read filtered rejected valid inserted updated unchanged removed absent
	want := [9]int64{5, 0, 1, 4, 1, 2, 1, 1, 0}
	for _, p := range []*protocol.Protocol{diff, imp} {
		if got := entityCounts(p, "contacts"); got != want {
			t.Errorf("%s contacts: %v, want %v", p.Kind, got, want)
		}
	}
	if diff.Kind != protocol.KindDiff || diff.Extraction != 2 || imp.Diff != nil {
		t.Errorf("diff run %d kind %s extraction %d; import has a diff section: %v", diff.Run, diff.Kind, diff.Extraction, imp.Diff != nil)
	}
	c := diff.Diff["contacts"]
	if c == nil || c.Policy != "delete" || !slices.Equal(c.Insert.Keys, []string{"K006"}) ||
		!slices.Equal(c.Update.Keys, []string{"K002", "K003"}) || !slices.Equal(c.Remove.Keys, []string{"K004"}) {
		t.Fatalf("diff of contacts %+v", c)
	}
	wantChanges := map[string]map[string]protocol.FieldChange{
		"K002": {"last_name": {Old: "ZWEI", New: "ZWO"}},
		"K003": {"structure": {Old: "F001", New: "F002"}},
	}
	for _, ch := range c.Update.Changes {
		if !maps.Equal(ch.Fields, wantChanges[ch.Key]) {
			t.Errorf("changes of %s: %v, want %v", ch.Key, ch.Fields, wantChanges[ch.Key])
		}
	}

	after := query("SELECT c.external_id, c.id, s.external_id FROM contacts c LEFT JOIN structures s ON s.id = c.structure ORDER BY 1")
	got := map[string][2]string{}
	for _, r := range after {
		got[r[0]] = [2]string{r[1], r[2]}
	}
	if len(got) != 5 || got["K003"][1] != "F002" || got["K005"][1] != "F002" || got["K006"][1] != "F003" {
		t.Errorf("contacts after the import: %v (K004 deleted, K005 kept: it was rejected, K003 on F002)", got)
	}
	for _, r := range ids {
		if _, ok := got[r[0]]; ok && got[r[0]][0] != r[1] {
			t.Errorf("%s changed its id from %s to %s", r[0], r[1], got[r[0]][0])
		}
	}

	again := runJSON(t, dir, "import", "--env", "dev")
	if got := entityCounts(again, "contacts"); got != [9]int64{5, 0, 1, 4, 0, 0, 4, 0, 0} {
		t.Errorf("second import of extraction 2: %v, want all unchanged, nothing removed", got)
	}
	out := mustRun(t, "-C", dir, "diff", "--env", "dev")
	for _, w := range []string{"diff against dev", "removed", "absent", "contacts (removed: delete)"} {
		if !strings.Contains(out, w) {
			t.Errorf("diff output lacks %q:\n%s", w, out)
		}
	}
}

func TestDiffNeedsEnv(t *testing.T) {
	dir, d1, _ := deltaProject(t, "")
	mustRun(t, "-C", dir, "receive", d1)
	for _, args := range [][]string{{"diff"}, {"diff", "--env", "nowhere"}} {
		if code, _, errOut := runCLI(t, nil, append([]string{"-C", dir}, args...)...); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, errOut)
		}
	}
}

func TestCheckWarnsWhenCountMoves(t *testing.T) {
	dir, d1, _ := deltaProject(t, "")
	d2 := filepath.Join(t.TempDir(), "short")
	writeFile(t, filepath.Join(d2, "firmen.csv"), deltaFirmen)
	lines := strings.SplitAfter(deltaKontakte1, "\n")
	writeFile(t, filepath.Join(d2, "kontakte.csv"), strings.Join(lines[:3], "")) // 2 rows of 5
	mustRun(t, "-C", dir, "receive", d1)
	mustRun(t, "-C", dir, "receive", d2)
	runJSON(t, dir, "check", "--extraction", "1")

	p := runJSON(t, dir, "check", "--extraction", "2")
	const warning = "contacts: 2 rows read, 5 in the previous extraction (-60.0%)"
	if !slices.Contains(p.Warnings, warning) {
		t.Errorf("warnings %q lack %q", p.Warnings, warning)
	}
	report, err := os.ReadFile(filepath.Join(p.Artifacts, "report.html"))
	if err != nil || !strings.Contains(string(report), "-60.0%") {
		t.Errorf("report.html does not show the warning (%v)", err)
	}
	out := mustRun(t, "-C", dir, "check", "--extraction", "2")
	if !strings.Contains(out, "warning: "+warning) {
		t.Errorf("check output lacks the warning:\n%s", out)
	}

	// With max_count_change in the gate, the same move fails it.
	edit(t, filepath.Join(dir, "handover.yaml"), "gate:\n", "gate:\n  max_count_change: 0.2\n")
	code, out, errOut := runCLI(t, nil, "-C", dir, "check", "--extraction", "2")
	if code != 3 || !strings.Contains(out, "max_count_change contacts") || !strings.Contains(out, "FAILED") {
		t.Errorf("check with max_count_change 0.2: exit %d\n%s\n%s", code, out, errOut)
	}
}

func sqliteRows(t *testing.T, path, q string) [][]string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out [][]string
	for rows.Next() {
		vals := make([]*string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, derefAll(vals))
	}
	return out
}

func postgresRows(t *testing.T, url, q string) [][]string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, q, pgx.QueryExecModeSimpleProtocol)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var r []string
		for _, v := range rows.RawValues() {
			r = append(r, string(v))
		}
		out = append(out, r)
	}
	return out
}

func derefAll(vals []*string) []string {
	out := make([]string, len(vals))
	for i, v := range vals {
		if v != nil {
			out[i] = *v
		}
	}
	return out
}
