package loadtest

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load"
)

// OpenFunc opens a target: a backend's Open, or one that dispatches by
// scheme.
type OpenFunc func(ctx context.Context, dsn string, opts load.Options) (load.Target, error)

// Harness is what the conformance suite needs of a backend.
type Harness struct {
	Open    OpenFunc
	Fresh   func(t *testing.T) string // DSN of a new, empty database
	Inspect func(t *testing.T, dsn string) Inspector
}

// Row is one row of a table: column name → value as text, "NULL" for null.
type Row map[string]string

// Inspector reads and shapes a database behind the loader's back.
type Inspector interface {
	// Table returns the rows of a table by id (handover_rows: by entity
	// and key); ids and integers in decimal, texts as stored.
	Table(t testing.TB, table string) []Row
	Tables(t testing.TB) []string
	// CreateTable creates a table as a customer's system might have: a
	// generated integer id column first, then cols.
	CreateTable(t testing.TB, table string, cols ...Column)
	// TrackVersions makes versions of table's rows observable; versions
	// maps each row (by id, or entity/key for handover_rows) to a value
	// that changes whenever the row is written.
	TrackVersions(t testing.TB, tables ...string)
	Versions(t testing.TB, table string) map[string]string
}

// ColumnType is the type of a column a test creates.
type ColumnType string

// The column types a test creates tables with.
const (
	TextColumn    ColumnType = "text"
	KeyColumn     ColumnType = "key" // text of up to 255 characters, unique, not null
	IntegerColumn ColumnType = "integer"
	BooleanColumn ColumnType = "boolean"
)

// Column is a column of a table a test creates.
type Column struct {
	Name    string
	Type    ColumnType
	NotNull bool
	Default string // a text default; "" is none
}

// Run runs the loader conformance suite against a backend.
func Run(t *testing.T, h Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"first load into an empty database", testFirstLoad},
		{"second load of the same data touches nothing", testSecondLoadUnchanged},
		{"changed rows are updated in place", testChangedRows},
		{"reference to a row of an earlier import", testRefEarlierImport},
		{"unresolvable reference fails the load", testUnresolvedRef},
		{"duplicate key in one load fails it", testDuplicateKey},
		{"existing table with wrong columns is refused", testWrongColumns},
		{"existing compatible table is used", testExistingTable},
		{"rollback leaves nothing", testRollback},
		{"concurrent import is refused", testConcurrentBegin},
		{"malformed records fail the load", testMalformedRecords},
		{"runs recorded in the transaction", testRunRecords},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

// ImportAll loads structures and contacts in one transaction and commits.
func ImportAll(t *testing.T, h Harness, dsn string, ss, cs []load.Record) (load.Counts, load.Counts) {
	t.Helper()
	ctx := Context(t)
	f := testFormat()
	tx, end := begin(ctx, t, h, dsn, load.Options{Env: "dev", Now: fixedNow}, f)
	defer end()
	cs1, err := tx.Load(ctx, f.Entities[0], rowsOf(ss))
	if err != nil {
		t.Fatalf("Load structures: %v", err)
	}
	cs2, err := tx.Load(ctx, f.Entities[1], rowsOf(cs))
	if err != nil {
		t.Fatalf("Load contacts: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return cs1, cs2
}

func WantCounts(t *testing.T, what string, got, want load.Counts) {
	t.Helper()
	if got != want {
		t.Errorf("%s: counts %+v, want %+v", what, got, want)
	}
}

// refsByKey maps each contact key to the key of the structure its
// structure_id points to.
func refsByKey(t *testing.T, db Inspector) map[string]string {
	structures := column(t, db, "structures", "id")
	keyOf := map[string]string{"NULL": "NULL"}
	for key, id := range structures {
		keyOf[id] = key
	}
	m := map[string]string{}
	for key, ref := range column(t, db, "contacts", "structure_id") {
		m[key] = keyOf[ref]
	}
	return m
}

func testFirstLoad(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	s, c := ImportAll(t, h, dsn, StructureRows(), ContactRows())
	WantCounts(t, "structures", s, load.Counts{Inserted: 3})
	WantCounts(t, "contacts", c, load.Counts{Inserted: 4})
	db := h.Inspect(t, dsn)
	if got, want := db.Tables(t), []string{"contacts", "handover_meta", "handover_rows", "structures"}; !slices.Equal(got, want) {
		t.Errorf("tables %v, want %v", got, want)
	}
	got := refsByKey(t, db)
	want := map[string]string{"C1": "S1", "C2": "NULL", "C3": "S2", "C4": "S1"}
	if !maps.Equal(got, want) {
		t.Errorf("references %v, want %v", got, want)
	}
	keyOfID := map[string]string{}
	for key, id := range column(t, db, "contacts", "id") {
		keyOfID[id] = key
	}
	book := rowsWhere(t, db, "handover_rows", func(r Row) bool { return r["entity"] == "contacts" })
	if len(book) != 4 {
		t.Fatalf("bookkeeping of contacts: %v", book)
	}
	for _, r := range book {
		if keyOfID[r["target_id"]] != r["key"] {
			t.Errorf("bookkeeping maps key %s to the row of %s", r["key"], keyOfID[r["target_id"]])
		}
	}
	if n := len(rowsWhere(t, db, "handover_rows", func(r Row) bool { return r["entity"] == "structures" })); n != 3 {
		t.Errorf("bookkeeping of structures has %d rows, want 3", n)
	}
	names := byKey(t, db, "contacts")
	if names["C2"]["last_name"] != "MÜLLER" || names["C2"]["email"] != "NULL" || names["C3"]["last_name"] != "O'Brien" {
		t.Errorf("values as stored: %v", names)
	}
}

func testSecondLoadUnchanged(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ImportAll(t, h, dsn, StructureRows(), ContactRows())
	db := h.Inspect(t, dsn)
	db.TrackVersions(t, "structures", "contacts", "handover_rows")
	before := map[string]map[string]string{}
	for _, tb := range []string{"structures", "contacts", "handover_rows"} {
		before[tb] = db.Versions(t, tb)
	}
	s, c := ImportAll(t, h, dsn, StructureRows(), ContactRows())
	WantCounts(t, "structures", s, load.Counts{Unchanged: 3})
	WantCounts(t, "contacts", c, load.Counts{Unchanged: 4})
	for tb, v := range before {
		if after := db.Versions(t, tb); !maps.Equal(v, after) {
			t.Errorf("%s: row versions changed by an unchanged load:\nbefore %v\nafter  %v", tb, v, after)
		}
	}
}

func testChangedRows(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ImportAll(t, h, dsn, StructureRows(), ContactRows())
	db := h.Inspect(t, dsn)
	ids := column(t, db, "contacts", "id")
	db.TrackVersions(t, "contacts")
	before := db.Versions(t, "contacts")

	cs := cloneRows(ContactRows())
	cs[2].Values[2] = "new@example.com" // C3 changes its email…
	cs[2].Values[9] = "S3"              // …and its structure
	cs = append(cs, load.Record{Line: 6, Values: []string{"C5", "New", "", "", "", "", "", "", "", "S2"}})
	_, c := ImportAll(t, h, dsn, StructureRows(), cs)
	WantCounts(t, "contacts", c, load.Counts{Inserted: 1, Updated: 1, Unchanged: 3})

	after := byKey(t, db, "contacts")
	for key, id := range ids {
		if after[key]["id"] != id {
			t.Errorf("row %s had id %s, now %s", key, id, after[key]["id"])
		}
	}
	if got := after["C3"]["email"]; got != "new@example.com" {
		t.Errorf("C3's email is %s after the update", got)
	}
	if got := refsByKey(t, db)["C3"]; got != "S3" {
		t.Errorf("C3 refers to %s, want S3", got)
	}
	versions := db.Versions(t, "contacts")
	for id, v := range before {
		changed := versions[id] != v
		if isC3 := id == ids["C3"]; changed != isC3 {
			t.Errorf("row id %s: version changed %v, want %v", id, changed, isC3)
		}
	}
}

func testRefEarlierImport(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ctx := Context(t)
	f := testFormat()
	target, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Load(ctx, f.Entities[0], rowsOf(StructureRows())); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err = target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	keys, err := tx.Keys(ctx, "structures")
	if err != nil {
		t.Fatal(err)
	}
	if got := slices.Sorted(maps.Keys(keys)); !slices.Equal(got, []string{"S1", "S2", "S3"}) {
		t.Errorf("Keys(structures) = %v", got)
	}
	c, err := tx.Load(ctx, f.Entities[1], rowsOf(ContactRows()))
	if err != nil {
		t.Fatal(err)
	}
	WantCounts(t, "contacts", c, load.Counts{Inserted: 4})
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := refsByKey(t, h.Inspect(t, dsn)); got["C4"] != "S1" || got["C3"] != "S2" {
		t.Errorf("references %v", got)
	}
}

// loadFails begins an import, loads structures then contacts (cs) and
// returns Load's error for contacts; Commit must then refuse.
func loadFails(t *testing.T, h Harness, dsn string, cs []load.Record) error {
	t.Helper()
	ctx := Context(t)
	f := testFormat()
	tx, end := begin(ctx, t, h, dsn, load.Options{Env: "dev"}, f)
	defer end()
	if _, err := tx.Load(ctx, f.Entities[0], rowsOf(StructureRows())); err != nil {
		t.Fatal(err)
	}
	_, lerr := tx.Load(ctx, f.Entities[1], rowsOf(cs))
	if lerr == nil {
		t.Fatal("Load succeeded, want an error")
	}
	if err := tx.Commit(ctx); err == nil {
		t.Error("Commit after a failed Load succeeded")
	}
	return lerr
}

func testUnresolvedRef(t *testing.T, h Harness) {
	for _, preloaded := range []bool{false, true} {
		dsn := h.Fresh(t)
		if preloaded { // contacts loaded before: the load merges
			ImportAll(t, h, dsn, StructureRows(), ContactRows())
		}
		cs := cloneRows(ContactRows())
		cs[3].Values[9] = "S-99"
		err := loadFails(t, h, dsn, cs)
		for _, want := range []string{"contacts", "line 5", "structure", `"S-99"`} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("preloaded %v: error %q does not name %s", preloaded, err, want)
			}
		}
		if got := h.Inspect(t, dsn).Tables(t); !preloaded && len(got) != 0 {
			t.Errorf("tables after the failed import: %v", got)
		}
	}
}

func testDuplicateKey(t *testing.T, h Harness) {
	cases := []struct {
		preloaded bool
		dup       string
	}{{false, "C9"}, {true, "C9"}, {true, "C2"}}
	for _, c := range cases {
		dsn := h.Fresh(t)
		if c.preloaded {
			ImportAll(t, h, dsn, StructureRows(), ContactRows())
		}
		cs := cloneRows(ContactRows())
		cs = append(cs, load.Record{Line: 9, Values: []string{"C9", "X", "", "", "", "", "", "", "", ""}})
		cs = append(cs, load.Record{Line: 10, Values: []string{c.dup, "Y", "", "", "", "", "", "", "", ""}})
		err := loadFails(t, h, dsn, cs)
		if !strings.Contains(err.Error(), `line 10: duplicate key "`+c.dup+`"`) {
			t.Errorf("%+v: error %q does not name the key", c, err)
		}
	}
}

func testWrongColumns(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	db := h.Inspect(t, dsn)
	db.CreateTable(t, "contacts", Column{Name: "external_id", Type: KeyColumn}, Column{Name: "last_name", Type: TextColumn},
		Column{Name: "birth_date", Type: IntegerColumn}, Column{Name: "created_at", Type: TextColumn},
		Column{Name: "score", Type: TextColumn}, Column{Name: "balance", Type: TextColumn}, Column{Name: "vip", Type: BooleanColumn},
		Column{Name: "category", Type: TextColumn}, Column{Name: "structure_id", Type: TextColumn},
		Column{Name: "legacy", Type: TextColumn, NotNull: true})
	ctx := Context(t)
	target, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	_, err = target.Begin(ctx, testFormat())
	var se *load.SchemaError
	if !errors.As(err, &se) {
		t.Fatalf("Begin: %v, want a *SchemaError", err)
	}
	msg := err.Error()
	for _, want := range []string{"table contacts: ", "column email is missing", "column birth_date is ", "column score is ",
		"column structure_id is ", "column legacy is NOT NULL without a default"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "column last_name") || strings.Contains(msg, "column category") {
		t.Errorf("error %q names a compatible column", msg)
	}
	if got := db.Tables(t); !slices.Equal(got, []string{"contacts"}) {
		t.Errorf("tables after the refused import: %v, want only contacts", got)
	}
}

func testExistingTable(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	db := h.Inspect(t, dsn)
	db.CreateTable(t, "structures", Column{Name: "external_id", Type: KeyColumn}, Column{Name: "name", Type: TextColumn},
		Column{Name: "country", Type: TextColumn}, Column{Name: "note", Type: TextColumn},
		Column{Name: "status", Type: TextColumn, NotNull: true, Default: "new"})
	s, _ := ImportAll(t, h, dsn, StructureRows(), ContactRows())
	WantCounts(t, "structures", s, load.Counts{Inserted: 3})
	got := column(t, db, "structures", "status")
	if len(got) != 3 || got["S1"] != "new" {
		t.Errorf("rows in the existing table: %v", got)
	}
}

func testRollback(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ctx := Context(t)
	f := testFormat()
	target, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Load(ctx, f.Entities[0], rowsOf(StructureRows())); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Load(ctx, f.Entities[1], rowsOf(ContactRows())); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.Inspect(t, dsn).Tables(t); len(got) != 0 {
		t.Errorf("tables after rollback: %v", got)
	}
	// The target is usable again.
	s, c := ImportAll(t, h, dsn, StructureRows(), ContactRows())
	WantCounts(t, "structures", s, load.Counts{Inserted: 3})
	WantCounts(t, "contacts", c, load.Counts{Inserted: 4})
}

func testConcurrentBegin(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	ctx := Context(t)
	f := testFormat()
	first, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	second, err := h.Open(ctx, dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	tx, err := first.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	_, err = second.Begin(ctx, f)
	var be *load.BusyError
	if !errors.As(err, &be) {
		t.Fatalf("second Begin: %v, want a *BusyError", err)
	}
	if want := `another import into environment "dev" is running; wait for it to finish`; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	tx2, err := second.Begin(ctx, f)
	if err != nil {
		t.Fatalf("Begin after the first import ended: %v", err)
	}
	tx2.Rollback(ctx)
}

func testMalformedRecords(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	cases := []struct {
		name string
		edit func(r *load.Record)
		want string
	}{
		{"too few values", func(r *load.Record) { r.Values = r.Values[:3] }, "3 values for 10 fields"},
		{"empty key", func(r *load.Record) { r.Values[0] = "" }, "key external_id is empty"},
		{"bad int", func(r *load.Record) { r.Values[5] = "4x" }, `field score: "4x"`},
		{"bad date", func(r *load.Record) { r.Values[3] = "01.02.1980" }, `field birth_date: "01.02.1980"`},
		{"bad bool", func(r *load.Record) { r.Values[7] = "yes" }, `field vip: "yes"`},
		{"bad decimal", func(r *load.Record) { r.Values[6] = "1,5" }, `field balance: "1,5"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cs := cloneRows(ContactRows())
			c.edit(&cs[2])
			err := loadFails(t, h, dsn, cs)
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "line 4") {
				t.Errorf("error %q, want it to contain %q and line 4", err, c.want)
			}
		})
	}
}
