package engine

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/extract"
	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/targets"
	"github.com/handover/handover/internal/protocol"
	"github.com/handover/handover/internal/testenv"
)

// The delta path (skip.go) must give what the full path gives. Each seed
// makes three extractions, each a random 0–5 % mutation of the one before
// (changed fields, invalid values, duplicate keys and e-mail addresses,
// filtered rows, rows moved, removed and inserted, structures rejected or
// removed under contacts that did not change), and imports them in turn
// into two environments: one that skips unchanged rows, one whose
// transaction hides the capability (every row transformed). After every
// import the protocols' counts and output hashes and the tables (ids
// included) must be the same; the last extraction imported into a fresh
// environment must give the same rows by key.

func TestSkipMatchesFullSQLite(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			dir := t.TempDir()
			n := 0
			testSkipMatchesFull(t, seed, func() string {
				n++
				return "sqlite://" + filepath.Join(dir, fmt.Sprintf("env%d.db", n))
			})
		})
	}
}

func TestSkipMatchesFullPostgres(t *testing.T) {
	testenv.Postgres(t)
	for seed := range uint64(3) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			testSkipMatchesFull(t, 100+seed, func() string { return testenv.FreshPostgres(t) })
		})
	}
}

func testSkipMatchesFull(t *testing.T, seed uint64, fresh func() string) {
	ctx := context.Background()
	f := newFixture(t, map[string]string{"firmen.csv": "ID;Name\n", "kontakte.csv": kontakteHeader})
	f.project.Format.Entities[0].Removed = format.RemovedDelete
	f.project.Format.Entities[1].Removed = format.RemovedDelete
	g := newSkipData(seed, 600)
	skipEnv, fullEnv, lastEnv := fresh(), fresh(), fresh()
	for i := 1; i <= 3; i++ {
		if i > 1 {
			g.mutate()
		}
		x := g.extraction(t, i)
		a := importInto(t, f, x, skipEnv, i, true)
		b := importInto(t, f, x, fullEnv, i, false)
		sameRuns(t, fmt.Sprintf("extraction %d", i), a, b)
		if got, want := dumpTables(ctx, t, skipEnv, true), dumpTables(ctx, t, fullEnv, true); got != want {
			t.Fatalf("extraction %d: tables differ\nskip path:\n%s\nfull path:\n%s", i, got, want)
		}
		c := contactsOf(a)
		if i > 1 && c.Skipped == 0 {
			t.Fatalf("extraction %d: no row skipped (%+v)", i, c)
		}
		if i > 1 && c.Skipped < c.Unchanged*9/10 {
			t.Errorf("extraction %d: %d of %d unchanged rows skipped", i, c.Skipped, c.Unchanged)
		}
	}
	// The same extraction again: every valid row is skipped, nothing written.
	x := g.extraction(t, 4)
	before := rowVersions(ctx, t, skipEnv)
	a := importInto(t, f, x, skipEnv, 4, true)
	if after := rowVersions(ctx, t, skipEnv); after != before {
		t.Errorf("re-import of the same extraction wrote rows: versions %s, then %s", before, after)
	}
	for _, e := range a.Entities {
		if e.Inserted+e.Updated+e.Removed != 0 || e.Unchanged != e.Valid || e.Skipped != e.Valid {
			t.Errorf("re-import of the same extraction: %+v", e)
		}
	}
	last := importInto(t, f, x, lastEnv, 1, true)
	for i, e := range last.Entities {
		ae := a.Entities[i]
		if [4]int64{e.Read, e.Filtered, e.Rejected, e.Valid} != [4]int64{ae.Read, ae.Filtered, ae.Rejected, ae.Valid} {
			t.Errorf("%s: delta %+v, full re-import %+v", e.Name, ae, e)
		}
		if *last.Outputs[e.Name] != *a.Outputs[e.Name] {
			t.Errorf("%s: outputs differ: delta %+v, full re-import %+v", e.Name, a.Outputs[e.Name], last.Outputs[e.Name])
		}
	}
	// The environment the deltas went into also keeps the rows whose key
	// the extraction has on a rejected row (never removed for it); every
	// row of the fresh environment must be there as it is.
	delta := map[string]bool{}
	for _, l := range strings.Split(dumpTables(ctx, t, skipEnv, false), "\n") {
		delta[l] = true
	}
	full := strings.Split(dumpTables(ctx, t, lastEnv, false), "\n")
	for _, l := range full {
		if !delta[l] {
			t.Errorf("row of the full re-import missing from the delta's environment: %s", l)
		}
	}
	if extra := len(delta) - len(full); extra > int(contactsOf(last).Rejected)+int(last.Entities[0].Rejected) {
		t.Errorf("the delta's environment has %d rows more than the full re-import, which rejected %d", extra, contactsOf(last).Rejected)
	}
}

func contactsOf(p *protocol.Protocol) *protocol.Entity {
	for _, e := range p.Entities {
		if e.Name == "contacts" {
			return e
		}
	}
	return &protocol.Entity{}
}

// noSkip hides the transaction's SkipReader: every row takes the full path.
type noSkip struct {
	load.Tx
	load.Sweeper
}

// skipOnly hides the transaction's UniqueValues (as noSkip does): this test
// compares each environment with a fresh one, and a unique value another
// key holds is a reject that depends on the environment's history
// (unique_env_test.go tests that).
type skipOnly struct {
	load.Tx
	load.Sweeper
	load.SkipReader
}

// createTablesWithoutUniqueEmail creates the environment's tables as an
// earlier version did, without a UNIQUE e-mail column: the mutations move
// addresses between keys, which the constraint would refuse.
func createTablesWithoutUniqueEmail(t *testing.T, f *fixture, target load.Target) {
	t.Helper()
	ctx := context.Background()
	old := &format.Format{}
	for _, e := range f.project.Format.Entities {
		c := *e
		c.Fields = nil
		for _, fd := range e.Fields {
			fc := *fd
			fc.Unique = false
			c.Fields = append(c.Fields, &fc)
		}
		old.Entities = append(old.Entities, &c)
	}
	tx, err := target.Begin(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
}

func importInto(t *testing.T, f *fixture, x *extract.Extraction, dsn string, run int, skip bool) *protocol.Protocol {
	t.Helper()
	ctx := context.Background()
	target, err := targets.Open(ctx, dsn, load.Options{Env: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	if run == 1 {
		createTablesWithoutUniqueEmail(t, f, target)
	}
	tx, err := target.Begin(ctx, f.project.Format)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var etx load.Tx = skipOnly{Tx: tx, Sweeper: tx.(load.Sweeper), SkipReader: tx.(load.SkipReader)}
	if !skip {
		etx = noSkip{Tx: tx, Sweeper: tx.(load.Sweeper)}
	}
	o := f.options(etx)
	o.Extraction, o.Run = x, run
	o.Artifacts = filepath.Join(t.TempDir(), "run")
	p, err := runEngine(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return p
}

// sameRuns compares what two imports of the same extraction did.
func sameRuns(t *testing.T, what string, a, b *protocol.Protocol) {
	t.Helper()
	for i, ea := range a.Entities {
		eb := b.Entities[i]
		ca, cb := *ea, *eb
		ca.Millis, cb.Millis, ca.Skipped, cb.Skipped = 0, 0, 0, 0
		ca.Rejects, cb.Rejects = "", ""
		if fmt.Sprint(ca) != fmt.Sprint(cb) {
			t.Errorf("%s: %s: skip path %+v, full path %+v", what, ea.Name, ca, cb)
		}
		if *a.Outputs[ea.Name] != *b.Outputs[ea.Name] {
			t.Errorf("%s: %s: outputs differ: skip path %+v, full path %+v", what, ea.Name, a.Outputs[ea.Name], b.Outputs[ea.Name])
		}
	}
	if !slices.Equal(a.Warnings, b.Warnings) {
		t.Errorf("%s: warnings differ:\n%q\n%q", what, a.Warnings, b.Warnings)
	}
}

// dumpTables lists both tables' rows, references by key, with or without
// the target ids.
func dumpTables(ctx context.Context, t *testing.T, dsn string, ids bool) string {
	t.Helper()
	id := func(c string) string {
		if ids {
			return "CAST(" + c + " AS TEXT) || ' ' || "
		}
		return ""
	}
	txt := func(c string) string { return "coalesce(CAST(" + c + " AS TEXT), '-')" }
	qs := []string{
		"SELECT " + id("s.id") + txt("s.external_id") + " || ' ' || " + txt("s.name") + " FROM structures s ORDER BY s.external_id",
		"SELECT " + id("c.id") + txt("c.external_id") + " || ' ' || " + txt("c.last_name") + " || ' ' || " + txt("c.email") +
			" || ' ' || " + txt("c.birth_date") + " || ' ' || " + id("c.structure") + txt("s.external_id") +
			" FROM contacts c LEFT JOIN structures s ON s.id = c.structure ORDER BY c.external_id",
	}
	var out []string
	if path, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, q := range qs {
			rows, err := db.QueryContext(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				var s string
				if err := rows.Scan(&s); err != nil {
					t.Fatal(err)
				}
				out = append(out, s)
			}
			rows.Close()
		}
		return strings.Join(out, "\n")
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, q := range qs {
		rows, err := conn.Query(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		rows.Close()
	}
	return strings.Join(out, "\n")
}

// rowVersions lists the xmin of every row of the tables and the
// bookkeeping (PostgreSQL; "" for SQLite, which has no row versions).
func rowVersions(ctx context.Context, t *testing.T, dsn string) string {
	t.Helper()
	if strings.HasPrefix(dsn, "sqlite://") {
		return ""
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var s string
	const q = `SELECT coalesce((SELECT string_agg(xmin::text, ',' ORDER BY id) FROM structures), '') || ';' ||
		coalesce((SELECT string_agg(xmin::text, ',' ORDER BY id) FROM contacts), '') || ';' ||
		coalesce((SELECT string_agg(xmin::text, ',' ORDER BY entity, key) FROM handover_rows), '')`
	if err := conn.QueryRow(ctx, q).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

const kontakteHeader = "ID;Nachname;EMail;Geburtsdatum;Firma;Status\n"

// skipData is a seeded delivery of structures and contacts (the fixture's
// format), mutated extraction by extraction.
type skipData struct {
	rng        *rand.Rand
	structures [][]string // ID, Name
	contacts   [][]string // ID, Nachname, EMail, Geburtsdatum, Firma, Status
	next       int
}

func newSkipData(seed uint64, n int) *skipData {
	g := &skipData{rng: rand.New(rand.NewPCG(seed, 7))}
	for i := range 20 {
		g.structures = append(g.structures, []string{fmt.Sprintf("S%d", i+1), fmt.Sprintf("Firma %d", i+1)})
	}
	for range n {
		g.contacts = append(g.contacts, g.contact())
	}
	return g
}

func (g *skipData) contact() []string {
	g.next++
	id := fmt.Sprintf("C%d", g.next)
	return []string{id, "Name" + id, strings.ToUpper(id) + "@Example.CH",
		fmt.Sprintf("%02d.%02d.19%02d", 1+g.rng.IntN(28), 1+g.rng.IntN(12), 40+g.rng.IntN(60)),
		fmt.Sprintf("S%d", 1+g.rng.IntN(22)), "aktiv"} // S21, S22 do not exist
}

// mutate changes up to 5 % of the rows, removes and inserts up to 5 %.
func (g *skipData) mutate() {
	r := g.rng
	share := func() int { return r.IntN(len(g.contacts)*5/100 + 1) }
	for range share() {
		c := g.contacts[r.IntN(len(g.contacts))]
		switch r.IntN(9) {
		case 0:
			c[1] = "Renamed" + c[0]
		case 1:
			c[2] = g.contacts[r.IntN(len(g.contacts))][2] // a duplicate e-mail address, or its own
		case 2:
			c[2] = "not-an-address"
		case 3:
			c[3] = "31.02.1999"
		case 4:
			c[4] = fmt.Sprintf("S%d", 1+r.IntN(22))
		case 5:
			c[5] = "gelöscht"
		case 6:
			c[0] = g.contacts[r.IntN(len(g.contacts))][0] // a duplicate key
		case 7:
			c[1] = "  " + c[1] + " " // the same after trim: unchanged, raw row changed
		default:
			c[5] = "aktiv"
			c[3] = ""
		}
	}
	for range share() { // removed
		i := r.IntN(len(g.contacts))
		g.contacts = slices.Delete(g.contacts, i, i+1)
	}
	for range share() { // moved
		i, j := r.IntN(len(g.contacts)), r.IntN(len(g.contacts))
		g.contacts[i], g.contacts[j] = g.contacts[j], g.contacts[i]
	}
	for range share() { // inserted
		i := r.IntN(len(g.contacts) + 1)
		g.contacts = slices.Insert(g.contacts, i, g.contact())
	}
	for range 1 + r.IntN(2) { // a structure rejected, removed or back
		s := g.structures[r.IntN(len(g.structures))]
		switch r.IntN(3) {
		case 0:
			s[1] = " "
		case 1:
			s[1] = "Firma " + s[0]
		default:
			i := slices.IndexFunc(g.structures, func(x []string) bool { return x[0] == s[0] })
			g.structures = slices.Delete(g.structures, i, i+1)
		}
	}
}

func (g *skipData) extraction(t *testing.T, number int) *extract.Extraction {
	t.Helper()
	files := map[string]string{"firmen.csv": table("ID;Name\n", g.structures), "kontakte.csv": table(kontakteHeader, g.contacts)}
	dir := filepath.Join(t.TempDir(), fmt.Sprint("x", number))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	x := &extract.Extraction{Dir: dir}
	x.Number = number
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		x.Files = append(x.Files, extract.File{Path: name, Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])})
	}
	return x
}

func table(header string, rows [][]string) string {
	var b strings.Builder
	b.WriteString(header)
	for _, r := range rows {
		b.WriteString(strings.Join(r, ";") + "\n")
	}
	return b.String()
}

// TestSkipEdgeCases walks the cases the random deliveries meet rarely,
// on both paths: an unchanged contact whose structure is now rejected, an
// identical raw row twice, a flagged row that comes back unchanged, and a
// recipe change (nothing may be skipped).
func TestSkipEdgeCases(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		n := 0
		testSkipEdgeCases(t, func() string {
			n++
			return "sqlite://" + filepath.Join(dir, fmt.Sprintf("env%d.db", n))
		})
	})
	t.Run("postgres", func(t *testing.T) {
		testenv.Postgres(t)
		testSkipEdgeCases(t, func() string { return testenv.FreshPostgres(t) })
	})
}

func testSkipEdgeCases(t *testing.T, fresh func() string) {
	f := newFixture(t, map[string]string{"firmen.csv": "ID;Name\n", "kontakte.csv": kontakteHeader})
	f.project.Format.Entities[1].Removed = format.RemovedFlag
	g := &skipData{structures: [][]string{{"S1", "Alpha"}, {"S3", "Gamma"}}, contacts: [][]string{
		{"C1", "Muster", "a@x.ch", "01.02.1980", "S1", "aktiv"},
		{"C2", "Meier", "b@x.ch", "", "S3", "aktiv"},
		{"C3", "Huber", "c@x.ch", "", "S3", "aktiv"},
	}}
	skipEnv, fullEnv := fresh(), fresh()
	step := func(i int, want func(c *protocol.Entity) string) {
		t.Helper()
		x := g.extraction(t, i)
		a := importInto(t, f, x, skipEnv, i, true)
		b := importInto(t, f, x, fullEnv, i, false)
		sameRuns(t, fmt.Sprint("step ", i), a, b)
		ctx := context.Background()
		if got, want := dumpTables(ctx, t, skipEnv, true), dumpTables(ctx, t, fullEnv, true); got != want {
			t.Fatalf("step %d: tables differ\nskip path:\n%s\nfull path:\n%s", i, got, want)
		}
		if msg := want(contactsOf(a)); msg != "" {
			t.Errorf("step %d: %s: %+v", i, msg, contactsOf(a))
		}
	}
	step(1, func(c *protocol.Entity) string { return expect(c.Inserted == 3 && c.Skipped == 0, "3 inserted") })
	// S1 rejected under the unchanged C1; C2's raw row twice.
	g.structures[0][1] = " "
	g.contacts = append(g.contacts, slices.Clone(g.contacts[1]))
	step(2, func(c *protocol.Entity) string {
		return expect(c.Rejected == 2 && c.Skipped == 2 && c.Unchanged == 2, "C1 and the second C2 rejected, C2 and C3 skipped")
	})
	// C3 absent: flagged. C1's row did not change while it was rejected.
	g.structures[0][1] = "Alpha"
	g.contacts = g.contacts[:2]
	step(3, func(c *protocol.Entity) string {
		return expect(c.Removed == 1 && c.Skipped == 2, "C3 flagged, C1 and C2 skipped")
	})
	// C3 back as it was: restored (updated), not skipped.
	g.contacts = append(g.contacts, []string{"C3", "Huber", "c@x.ch", "", "S3", "aktiv"})
	step(4, func(c *protocol.Entity) string {
		return expect(c.Updated == 1 && c.Skipped == 2, "C3 restored, C1 and C2 skipped")
	})
	// Another recipe: every row transformed again.
	f.project.Hashes.Recipes = "sha256:other"
	step(5, func(c *protocol.Entity) string { return expect(c.Skipped == 0 && c.Unchanged == 3, "nothing skipped") })
	step(6, func(c *protocol.Entity) string { return expect(c.Skipped == 3, "everything skipped") })
	// A key and an e-mail address three times each: a changed row first,
	// the unchanged (skipped) row second, a third row last. The skipped row
	// is the duplicate, and the third row's first line is the changed row's.
	unchanged := slices.Clone(g.contacts)
	g.contacts = append([][]string{
		{"C2", "Anders", "z@x.ch", "", "S3", "aktiv"},
		{"C9", "Neu", "b@x.ch", "", "S3", "aktiv"},
	}, unchanged...)
	g.contacts = append(g.contacts, []string{"C2", "Dritte", "y@x.ch", "", "S3", "aktiv"},
		[]string{"C10", "Neu", "b@x.ch", "", "S3", "aktiv"})
	step(7, func(c *protocol.Entity) string {
		return expect(c.Rejected == 3 && c.Skipped == 2, "C2's unchanged row and the two third rows rejected, C1 and C3 skipped")
	})
	// A changed row takes the e-mail address the environment holds for a
	// skipped row's key, before that row: the skip index, not the held
	// index, answers that C3 holds it.
	g.contacts = slices.Clone(unchanged)
	step(8, func(c *protocol.Entity) string { return "" })
	step(9, func(c *protocol.Entity) string { return expect(c.Skipped == 3, "everything skipped") })
	g.contacts[0] = []string{"C1", "Muster", "c@x.ch", "01.02.1980", "S1", "aktiv"}
	step(10, func(c *protocol.Entity) string {
		return expect(c.Skipped == 1 && c.RejectsByRule["email/unique"] == 1, "C3 skipped, C1 rejected as unique")
	})
}

func expect(ok bool, what string) string {
	if ok {
		return ""
	}
	return "want " + what
}

// TestSkipIndexLimit: past its share of the memory budget the skip index
// takes no more entries; their rows take the full path.
func TestSkipIndexLimit(t *testing.T) {
	x := newSkipIndex()
	x.limit = 3 * (skipEntryBytes + 2 + 1)
	var fp [16]byte
	for i := range 10 {
		skip := rawFP{hi: uint64(i), lo: uint64(i)}.bytes(nil)
		skip = append(append(skip, fp[:]...), 0) // one empty cross value
		x.add(i, []byte(fmt.Sprint("K", i)), fp[:], skip, 1)
	}
	x.finish()
	if len(x.raws) != 3 {
		t.Fatalf("%d entries within a limit of 3", len(x.raws))
	}
	if _, ok := x.find(rawFP{hi: 3, lo: 3}); ok {
		t.Error("an entry past the limit was found")
	}
	if i, ok := x.find(rawFP{hi: 2, lo: 2}); !ok || string(x.key(i)) != "K2" {
		t.Errorf("entry K2: %d %v", i, ok)
	}
}

// TestSkipIndexUnique: the skip index finds entries by unique value,
// marks the entries that share one, and answers which other key the
// environment holds a value for once confirm took it.
func TestSkipIndexUnique(t *testing.T) {
	x := newSkipIndex(0)
	var fp [16]byte
	for i, e := range []string{"a@x.ch", "b@x.ch", "a@x.ch", ""} {
		skip := rawFP{hi: uint64(i), lo: uint64(i)}.bytes(nil)
		skip = append(append(skip, fp[:]...), byte(len(e)))
		x.add(i, []byte(fmt.Sprint("K", i)), fp[:], append(skip, e...), 1)
	}
	x.finish()
	for i, want := range []bool{true, false, true, false} {
		if got := bit(x.uniq[0].shared, i); got != want {
			t.Errorf("entry K%d shared: %v, want %v", i, got, want)
		}
	}
	if other, ok := x.holder(0, "a@x.ch", "K0", 0); ok {
		t.Errorf("held by %s before the environment confirmed it", other)
	}
	if !x.confirm(0, "a@x.ch", "K2") || x.confirm(0, "b@x.ch", "K0") || x.confirm(0, "", "K3") {
		t.Fatal("confirm took a value that is not its key's, or refused its key's")
	}
	if other, ok := x.holder(0, "a@x.ch", "K0", 0); !ok || other != "K2" {
		t.Errorf("a@x.ch for K0: held by %q %v, want K2", other, ok)
	}
	if _, ok := x.holder(0, "b@x.ch", "K1", 1); ok {
		t.Error("b@x.ch: held by another key")
	}
	if !x.take(0, 7) || x.take(0, 8) {
		t.Fatal("take")
	}
	if f := x.firstValue(0, "a@x.ch", 2); !f.ok || f.line != 7 {
		t.Errorf("a@x.ch after K0 was taken on line 7: %+v", f)
	}
	x.unclaim(0, 1)
	if f := x.firstValue(0, "a@x.ch", 2); f.ok {
		t.Errorf("a@x.ch, unclaimed: %+v", f)
	}
	if f := x.firstKey("K0", -1); !f.ok || f.line != 7 || f.rejected {
		t.Errorf("K0: %+v", f)
	}
}

// TestSkipIndexRepeatedRaw: of two entries with the same raw fingerprint
// the first is found, by raw fingerprint and by key; the second by
// neither (its row takes the full path).
func TestSkipIndexRepeatedRaw(t *testing.T) {
	x := newSkipIndex()
	var fp [16]byte
	for i := range 3000 { // past the first slot table's size
		raw := rawFP{hi: uint64(i), lo: uint64(i)}
		if i == 2000 {
			raw = rawFP{hi: 7, lo: 7}
		}
		skip := append(append(raw.bytes(nil), fp[:]...), 0)
		x.add(i, []byte(fmt.Sprint("K", i)), fp[:], skip, 1)
	}
	x.finish()
	if i, ok := x.find(rawFP{hi: 7, lo: 7}); !ok || string(x.key(i)) != "K7" {
		t.Errorf("raw 7: entry %d %v", i, ok)
	}
	if _, ok := x.keyEntry("K2000"); ok {
		t.Error("the repeated raw fingerprint's key was placed")
	}
	for _, k := range []int{0, 1999, 2001, 2999} {
		if i, ok := x.keyEntry(fmt.Sprint("K", k)); !ok || x.raws[i] != (rawFP{hi: uint64(k), lo: uint64(k)}) {
			t.Errorf("K%d: entry %d %v", k, i, ok)
		}
	}
	if !x.take(2999, 5) || x.take(2999, 6) {
		t.Error("take of the last entry")
	}
	// Trying the next entry first finds what find finds, never an entry
	// that was not placed.
	for _, c := range []struct {
		raw        rawFP
		hint, want int
		ok         bool
	}{
		{rawFP{hi: 7, lo: 7}, 2000, 7, true},
		{rawFP{hi: 7, lo: 7}, 7, 7, true},
		{rawFP{hi: 1999, lo: 1999}, 1999, 1999, true},
		{rawFP{hi: 1999, lo: 1999}, 5, 1999, true},
		{rawFP{hi: 2000, lo: 2000}, 2000, 0, false},
		{rawFP{hi: 1, lo: 1}, 3000, 1, true},
		{rawFP{hi: 1, lo: 1}, -1, 1, true},
	} {
		if i, ok := x.findNear(c.raw, c.hint); ok != c.ok || (ok && i != c.want) {
			t.Errorf("findNear(%v, %d) = %d %v, want %d %v", c.raw, c.hint, i, ok, c.want, c.ok)
		}
	}
}

// TestSkipIndexConfirmNear: confirm tries the entry after the last one it
// found, and takes it only when it holds the key and was placed.
func TestSkipIndexConfirmNear(t *testing.T) {
	x := newSkipIndex(0)
	var fp [16]byte
	for i := range 5 {
		raw := rawFP{hi: uint64(i), lo: uint64(i)}
		if i == 2 {
			raw = rawFP{} // entry 0's: not placed
		}
		e := fmt.Sprintf("e%d@x.ch", i)
		skip := append(append(raw.bytes(nil), fp[:]...), byte(len(e)))
		x.add(i, []byte(fmt.Sprint("K", i)), fp[:], append(skip, e...), 1)
	}
	x.finish()
	for _, c := range []struct {
		v, key string
		want   bool
	}{
		{"e0@x.ch", "K0", true},
		{"e1@x.ch", "K1", true},
		{"e2@x.ch", "K2", false}, // next after K1, but not placed
		{"e3@x.ch", "K3", true},
		{"e0@x.ch", "K4", false}, // next after K3 holds e4
		{"e4@x.ch", "K4", true},
		{"e1@x.ch", "K1", false}, // confirmed already
	} {
		if got := x.confirm(0, c.v, c.key); got != c.want {
			t.Errorf("confirm(%s, %s) = %v, want %v", c.v, c.key, got, c.want)
		}
	}
}

// TestSkippedPlaces: the bits load.Seen.Skipped gets are those of the
// taken entries' places in the bookkeeping, whether every entry's place
// is its own number or not (an entry without skip data before it, or a
// place the backend cannot tell).
func TestSkippedPlaces(t *testing.T) {
	var fp [16]byte
	for _, c := range []struct {
		places []int
		want   []int
	}{
		{[]int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 70}, []int{1, 3, 70}},
		{[]int{0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 130}, []int{1, 4, 130}},
		{[]int{0, -1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, []int{3, 10}},
	} {
		x := newSkipIndex()
		for i, p := range c.places {
			skip := append(append(rawFP{hi: uint64(i), lo: uint64(i)}.bytes(nil), fp[:]...), 0)
			x.add(p, []byte(fmt.Sprint("K", i)), fp[:], skip, 1)
		}
		x.finish()
		for _, i := range []int{1, 3, 10} {
			x.take(i, i+2)
		}
		got := x.skippedPlaces()
		var places []int
		for p := range 64 * len(got) {
			if bit(got, p) {
				places = append(places, p)
			}
		}
		if !slices.Equal(places, c.want) {
			t.Errorf("places %v: skipped %v, want %v", c.places, places, c.want)
		}
	}
}

// TestSkipIndexChunks: the entries' bytes go into chunks that are never
// copied — entries across many chunks, one longer than a chunk, read back
// as added; arrays allocated for the expected count are kept as they are
// by finish, and given back room when far fewer came; past the last chunk
// an entry is left out (its row takes the full path).
func TestSkipIndexChunks(t *testing.T) {
	var fp [16]byte
	entry := func(i int) (key, skip []byte) {
		v := strings.Repeat(string(rune('a'+i%26)), i%700)
		if i == 1234 {
			v = strings.Repeat("L", skipChunk+100)
		}
		skip = append(rawFP{hi: uint64(i), lo: uint64(i)}.bytes(nil), fp[:]...)
		skip = binary.AppendUvarint(skip, uint64(len(v)))
		return []byte(fmt.Sprint("K", i)), append(skip, v...)
	}
	const n = 5000
	for _, expected := range []int{n, 10 * n, 0} {
		x := newSkipIndex(0)
		x.expect(expected)
		var first *rawFP
		for i := range n {
			key, skip := entry(i)
			x.add(i, key, fp[:], skip, 1)
			if i == 0 {
				first = &x.raws[0]
			}
		}
		x.finish()
		if len(x.raws) != n || len(x.data) < 10 {
			t.Fatalf("expected %d: %d entries in %d chunks", expected, len(x.raws), len(x.data))
		}
		if expected == n && (&x.raws[0] != first || cap(x.raws) != n || cap(x.starts) != n) {
			t.Errorf("expected %d: arrays copied or grown (%d, %d of %d)", expected, cap(x.raws), cap(x.starts), n)
		}
		if expected == 10*n && (cap(x.raws) != n || cap(x.fps) != n) {
			t.Errorf("expected %d: room kept (%d, %d of %d)", expected, cap(x.raws), cap(x.fps), n)
		}
		for i := range n {
			key, skip := entry(i)
			j, ok := x.find(rawFP{hi: uint64(i), lo: uint64(i)})
			if !ok || j != i || string(x.key(i)) != string(key) || !sameValue(x.value(i, 0), skip) {
				t.Fatalf("expected %d: entry %d read back as %q, %d bytes", expected, i, x.key(i), len(x.value(i, 0)))
			}
		}
		long := 0
		for _, c := range x.data {
			if len(c) > skipChunk {
				long++
			}
		}
		if long != 1 {
			t.Errorf("expected %d: %d chunks longer than %d bytes, want the long entry's", expected, long, skipChunk)
		}
	}
	x := newSkipIndex()
	x.data = make([][]byte, skipChunks)
	key, skip := entry(1)
	if x.add(0, key, fp[:], skip, 1); len(x.raws) != 0 {
		t.Error("an entry added past the last chunk")
	}
}

// sameValue reports whether v is the one cross value of skip.
func sameValue(v, skip []byte) bool {
	b := skip[skipHead:]
	l, k := binary.Uvarint(b)
	return string(b[k:k+int(l)]) == string(v)
}

// TestSkipSinkGuess: the engine's guess for a backend that cannot count
// is the previous extraction's rows, at most the entries that fit in the
// index's share of the budget.
func TestSkipSinkGuess(t *testing.T) {
	for _, c := range []struct {
		previous, limit int64
		want            int
	}{
		{990_000, 0, 990_000},
		{990_000, 100 * skipEntryBytes, 101},
		{0, 0, 0},
	} {
		x := newSkipIndex()
		x.limit = c.limit
		if got := (skipSink{x: x, guess: c.previous}).Guess(); got != c.want {
			t.Errorf("previous %d, limit %d: guess %d, want %d", c.previous, c.limit, got, c.want)
		}
	}
}
