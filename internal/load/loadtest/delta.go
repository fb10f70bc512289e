package loadtest

import (
	"maps"
	"slices"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/protocol"
)

func RunDelta(t *testing.T, h Harness) {
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"extraction 2 with policy keep", testDeltaKeep},
		{"extraction 2 with policy delete", testDeltaDelete},
		{"extraction 2 with policy flag", testDeltaFlag},
		{"flagged rows come back in extraction 3", testFlaggedBack},
		{"deleted rows come back with a new id", testDeletedBack},
		{"importing extraction 2 twice writes nothing the second time", testDeltaIdempotent},
		{"references to deleted rows dangle, then resolve again", testDangling},
		{"rejected rows without a key hold deletions back", testHeldBack},
		{"diff matches what the import then does", testDiffMatchesImport},
		{"diff shows changed fields and writes nothing", testDiffChanges},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, h) })
	}
}

// extraction is what one delivery hands a transaction: the valid rows of
// structures and contacts and the keys of their rejected rows.
type extraction struct {
	structures, contacts []load.Record
	rejected             [2][]string
	unkeyed              [2]int64
}

// result is what importing (or diffing) an extraction did per entity.
type result struct {
	counts   [2]load.Counts
	removals [2]load.Removal
	diffs    [2]*protocol.EntityDiff
}

func policyFormat(policy string) *format.Format {
	f := testFormat()
	for _, e := range f.Entities {
		e.Removed = policy
	}
	return f
}

// extraction1 is the first delivery: structures S1–S3, contacts C1–C5
// (C5 refers to S3).
func extraction1() extraction {
	cs := append(ContactRows(), load.Record{Line: 6, Values: []string{"C5", "Fünf", "", "", "", "", "", "", "", "S3"}})
	return extraction{structures: StructureRows(), contacts: cs}
}

// extraction2 changes extraction 1: S3 and C5 are gone, S4 and C6 are
// new, C2 changed its name, C4 moved from S1 to S2, C1 is untouched and
// C3 was rejected this time.
func extraction2() extraction {
	ss := append(StructureRows()[:2], load.Record{Line: 5, Values: []string{"S4", "Umbrella", "FR"}})
	cs := cloneRows(ContactRows())
	cs[1].Values[1] = "MUELLER"
	cs[3].Values[9] = "S2"
	cs = append(cs[:2], cs[3], load.Record{Line: 7, Values: []string{"C6", "Sechs", "", "", "", "", "", "", "", "S4"}})
	return extraction{structures: ss, contacts: cs, rejected: [2][]string{nil, {"C3"}}}
}

func (x extraction) seen(i int) load.Seen {
	keys := map[string]bool{}
	rows := x.structures
	if i == 1 {
		rows = x.contacts
	}
	for _, r := range rows {
		keys[r.Values[0]] = true
	}
	for _, k := range x.rejected[i] {
		keys[k] = true
	}
	return load.Seen{Has: func(k string) bool { return keys[k] }, Unkeyed: x.unkeyed[i]}
}

// runTx loads and sweeps both entities in tx, the way the engine does.
func runTx(t *testing.T, tx load.Tx, f *format.Format, x extraction) result {
	t.Helper()
	ctx := Context(t)
	var r result
	for i, rows := range [][]load.Record{x.structures, x.contacts} {
		c, err := tx.Load(ctx, f.Entities[i], rowsOf(rows))
		if err != nil {
			t.Fatalf("Load %s: %v", f.Entities[i].Name, err)
		}
		rm, err := tx.(load.Sweeper).Sweep(ctx, f.Entities[i], x.seen(i))
		if err != nil {
			t.Fatalf("Sweep %s: %v", f.Entities[i].Name, err)
		}
		r.counts[i], r.removals[i] = c, rm
		if d, ok := tx.(load.DiffTx); ok {
			r.diffs[i] = d.Diff(f.Entities[i].Name)
		}
	}
	return r
}

func deltaImport(t *testing.T, h Harness, dsn string, f *format.Format, x extraction) result {
	t.Helper()
	ctx := Context(t)
	tx, end := begin(ctx, t, h, dsn, load.Options{Env: "dev", Now: fixedNow}, f)
	defer end()
	r := runTx(t, tx, f, x)
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	return r
}

func deltaDiff(t *testing.T, h Harness, dsn string, f *format.Format, x extraction) result {
	t.Helper()
	ctx := Context(t)
	target, err := h.Open(ctx, dsn, load.Options{Env: "dev", Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close()
	tx, err := load.BeginDiff(ctx, target, f)
	if err != nil {
		t.Fatalf("BeginDiff: %v", err)
	}
	r := runTx(t, tx, f, x)
	if err := tx.Commit(ctx); err == nil {
		t.Error("Commit of a diff succeeded")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Errorf("Rollback of a diff: %v", err)
	}
	return r
}

// wantRemoval compares the counts of a Removal (and its keys).
func wantRemoval(t *testing.T, what string, got load.Removal, policy string, removed, absent int64, keys ...string) {
	t.Helper()
	if got.Policy != policy || got.Removed != removed || got.Absent != absent || !slices.Equal(got.Keys, keys) {
		t.Errorf("%s: removal %+v, want policy %s removed %d absent %d keys %v", what, got, policy, removed, absent, keys)
	}
}

// checkExtraction2 checks what every policy does alike with extraction 2.
func checkExtraction2(t *testing.T, db Inspector, r result) {
	t.Helper()
	WantCounts(t, "structures", r.counts[0], load.Counts{Inserted: 1, Unchanged: 2})
	WantCounts(t, "contacts", r.counts[1], load.Counts{Inserted: 1, Updated: 2, Unchanged: 1})
	refs := refsByKey(t, db)
	for k, want := range map[string]string{"C1": "S1", "C4": "S2", "C6": "S4", "C3": "S2"} {
		if refs[k] != want {
			t.Errorf("%s refers to %s, want %s (all: %v)", k, refs[k], want, refs)
		}
	}
	if got := column(t, db, "contacts", "last_name")["C2"]; got != "MUELLER" {
		t.Errorf("C2's last_name is %s, want MUELLER", got)
	}
}

func testDeltaKeep(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedKeep)
	deltaImport(t, h, dsn, f, extraction1())
	r := deltaImport(t, h, dsn, f, extraction2())
	db := h.Inspect(t, dsn)
	checkExtraction2(t, db, r)
	wantRemoval(t, "structures", r.removals[0], "keep", 0, 1, "S3")
	wantRemoval(t, "contacts", r.removals[1], "keep", 0, 1, "C5")
	if got := keysWhere(t, db, "contacts", "external_id", nil); !slices.Equal(got, []string{"C1", "C2", "C3", "C4", "C5", "C6"}) {
		t.Errorf("contacts %v", got)
	}
	if got := refsByKey(t, db)["C5"]; got != "S3" {
		t.Errorf("kept C5 refers to %s, want S3", got)
	}
}

func testDeltaDelete(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedDelete)
	deltaImport(t, h, dsn, f, extraction1())
	r := deltaImport(t, h, dsn, f, extraction2())
	db := h.Inspect(t, dsn)
	checkExtraction2(t, db, r)
	wantRemoval(t, "structures", r.removals[0], "delete", 1, 0, "S3")
	wantRemoval(t, "contacts", r.removals[1], "delete", 1, 0, "C5")
	if len(r.removals[1].Dangling) != 0 {
		t.Errorf("C5 was deleted with S3, yet dangling %+v", r.removals[1].Dangling)
	}
	if got := keysWhere(t, db, "structures", "external_id", nil); !slices.Equal(got, []string{"S1", "S2", "S4"}) {
		t.Errorf("structures %v", got)
	}
	if got := keysWhere(t, db, "contacts", "external_id", nil); !slices.Equal(got, []string{"C1", "C2", "C3", "C4", "C6"}) {
		t.Errorf("contacts %v (C3 was rejected, not absent: it must stay)", got)
	}
	book := keysWhere(t, db, "handover_rows", "key", nil)
	if want := []string{"C1", "C2", "C3", "C4", "C6", "S1", "S2", "S4"}; !slices.Equal(book, want) {
		t.Errorf("bookkeeping %v, want %v", book, want)
	}
}

func testDeltaFlag(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedFlag)
	deltaImport(t, h, dsn, f, extraction1())
	db := h.Inspect(t, dsn)
	if got := keysWhere(t, db, "contacts", "external_id", flagged); len(got) != 0 {
		t.Fatalf("flagged after the first import: %v", got)
	}
	r := deltaImport(t, h, dsn, f, extraction2())
	checkExtraction2(t, db, r)
	wantRemoval(t, "structures", r.removals[0], "flag", 1, 0, "S3")
	wantRemoval(t, "contacts", r.removals[1], "flag", 1, 0, "C5")
	for table, want := range map[string][]string{"structures": {"S3"}, "contacts": {"C5"}} {
		got := keysWhere(t, db, table, "external_id", flagged)
		if !slices.Equal(got, want) {
			t.Errorf("%s flagged %v, want %v", table, got, want)
		}
	}
	if n := len(db.Table(t, "contacts")); n != 6 {
		t.Errorf("%d contacts, flag deletes nothing", n)
	}
}

func testFlaggedBack(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedFlag)
	deltaImport(t, h, dsn, f, extraction1())
	deltaImport(t, h, dsn, f, extraction2())
	d := deltaDiff(t, h, dsn, f, extraction1())
	r := deltaImport(t, h, dsn, f, extraction1())
	// S3 and C5 come back with their old values: updated, to clear removed_at.
	WantCounts(t, "structures", r.counts[0], load.Counts{Updated: 1, Unchanged: 2})
	WantCounts(t, "contacts", r.counts[1], load.Counts{Updated: 3, Unchanged: 2})
	wantRemoval(t, "structures", r.removals[0], "flag", 1, 0, "S4")
	wantRemoval(t, "contacts", r.removals[1], "flag", 1, 0, "C6")
	db := h.Inspect(t, dsn)
	for table, want := range map[string][]string{"structures": {"S4"}, "contacts": {"C6"}} {
		got := keysWhere(t, db, table, "external_id", flagged)
		if !slices.Equal(got, want) {
			t.Errorf("%s flagged %v, want %v", table, got, want)
		}
	}
	back := d.diffs[0].Update.Changes
	want := map[string]protocol.FieldChange{"removed_at": {Old: "2026-11-01T10:00:00Z", New: ""}}
	if len(back) != 1 || back[0].Key != "S3" || !maps.Equal(back[0].Fields, want) {
		t.Errorf("diff of S3 coming back: %+v, want removed_at cleared", back)
	}
}

func testDeletedBack(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedDelete)
	deltaImport(t, h, dsn, f, extraction1())
	db := h.Inspect(t, dsn)
	before := column(t, db, "structures", "id")
	deltaImport(t, h, dsn, f, extraction2())
	r := deltaImport(t, h, dsn, f, extraction1())
	WantCounts(t, "structures", r.counts[0], load.Counts{Inserted: 1, Unchanged: 2})
	WantCounts(t, "contacts", r.counts[1], load.Counts{Inserted: 1, Updated: 2, Unchanged: 2})
	wantRemoval(t, "structures", r.removals[0], "delete", 1, 0, "S4")
	wantRemoval(t, "contacts", r.removals[1], "delete", 1, 0, "C6")
	after := column(t, db, "structures", "id")
	if after["S3"] == before["S3"] || after["S1"] != before["S1"] {
		t.Errorf("ids before %v, after %v: S3 must come back with a new id, S1 keep its own", before, after)
	}
	if got := refsByKey(t, db)["C5"]; got != "S3" {
		t.Errorf("C5 refers to %s, want the new S3", got)
	}
}

func testDeltaIdempotent(t *testing.T, h Harness) {
	for _, policy := range []string{format.RemovedKeep, format.RemovedDelete, format.RemovedFlag} {
		t.Run(policy, func(t *testing.T) {
			dsn := h.Fresh(t)
			f := policyFormat(policy)
			deltaImport(t, h, dsn, f, extraction1())
			first := deltaImport(t, h, dsn, f, extraction2())
			db := h.Inspect(t, dsn)
			db.TrackVersions(t, "structures", "contacts", "handover_rows")
			tables := []string{"structures", "contacts", "handover_rows"}
			before := map[string]map[string]string{}
			for _, tb := range tables {
				before[tb] = db.Versions(t, tb)
			}
			again := deltaImport(t, h, dsn, f, extraction2())
			WantCounts(t, "structures", again.counts[0], load.Counts{Unchanged: 3})
			WantCounts(t, "contacts", again.counts[1], load.Counts{Unchanged: 4})
			for i := range 2 {
				rm := again.removals[i]
				if rm.Removed != 0 || rm.Absent != first.removals[i].Absent+first.removals[i].Removed-removedFor(policy) {
					t.Errorf("entity %d: second removal %+v after %+v", i, rm, first.removals[i])
				}
			}
			for _, tb := range tables {
				if after := db.Versions(t, tb); !maps.Equal(before[tb], after) {
					t.Errorf("%s: the second import wrote rows:\nbefore %v\nafter  %v", tb, before[tb], after)
				}
			}
		})
	}
}

// removedFor is how many rows per entity extraction 2 removes for good
// (deleted rows are no longer absent the second time).
func removedFor(policy string) int64 {
	if policy == format.RemovedDelete {
		return 1
	}
	return 0
}

func testDangling(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedKeep)
	f.Entities[0].Removed = format.RemovedDelete // structures deleted, contacts kept
	deltaImport(t, h, dsn, f, extraction1())
	r := deltaImport(t, h, dsn, f, extraction2())
	want := []load.Dangling{{Field: "structure", Entity: "structures", Rows: 1, Keys: []string{"C5"}}}
	if !slices.EqualFunc(r.removals[1].Dangling, want, func(a, b load.Dangling) bool {
		return a.Field == b.Field && a.Entity == b.Entity && a.Rows == b.Rows && slices.Equal(a.Keys, b.Keys)
	}) {
		t.Errorf("dangling %+v, want %+v", r.removals[1].Dangling, want)
	}
	// C5 comes back with the values it always had: it is rewritten, its
	// reference resolved to the new S3.
	r = deltaImport(t, h, dsn, f, extraction1())
	WantCounts(t, "contacts", r.counts[1], load.Counts{Updated: 3, Unchanged: 2})
	if got := refsByKey(t, h.Inspect(t, dsn))["C5"]; got != "S3" {
		t.Errorf("C5 refers to %q, want the new S3", got)
	}
}

func testHeldBack(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedDelete)
	deltaImport(t, h, dsn, f, extraction1())
	x := extraction2()
	x.unkeyed = [2]int64{0, 1}
	r := deltaImport(t, h, dsn, f, x)
	wantRemoval(t, "structures", r.removals[0], "delete", 1, 0, "S3")
	if rm := r.removals[1]; !rm.Held || rm.Removed != 0 || rm.Absent != 1 {
		t.Errorf("contacts removal %+v, want held back with C5 absent", rm)
	}
	if got := keysWhere(t, h.Inspect(t, dsn), "contacts", "external_id", func(r Row) bool { return r["external_id"] == "C5" }); len(got) != 1 {
		t.Error("C5 was deleted although a rejected row without a key could be it")
	}
}

func testDiffMatchesImport(t *testing.T, h Harness) {
	for _, policy := range []string{format.RemovedKeep, format.RemovedDelete, format.RemovedFlag} {
		t.Run(policy, func(t *testing.T) {
			dsn := h.Fresh(t)
			f := policyFormat(policy)
			deltaImport(t, h, dsn, f, extraction1())
			for _, x := range []extraction{extraction2(), extraction2(), extraction1()} {
				d := deltaDiff(t, h, dsn, f, x)
				r := deltaImport(t, h, dsn, f, x)
				for i := range 2 {
					if d.counts[i] != r.counts[i] {
						t.Errorf("entity %d: diff counts %+v, import %+v", i, d.counts[i], r.counts[i])
					}
					dr, ir := d.removals[i], r.removals[i]
					if dr.Removed != ir.Removed || dr.Absent != ir.Absent || !slices.Equal(dr.Keys, ir.Keys) || len(dr.Dangling) != len(ir.Dangling) {
						t.Errorf("entity %d: diff removal %+v, import %+v", i, dr, ir)
					}
					dd := d.diffs[i]
					if dd.Insert.Count != r.counts[i].Inserted || dd.Remove.Count != ir.Removed || dd.Absent.Count != ir.Absent {
						t.Errorf("entity %d: diff %+v does not match counts %+v", i, dd, r.counts[i])
					}
				}
			}
		})
	}
}

func testDiffChanges(t *testing.T, h Harness) {
	dsn := h.Fresh(t)
	f := policyFormat(format.RemovedDelete)
	deltaImport(t, h, dsn, f, extraction1())
	db := h.Inspect(t, dsn)
	db.TrackVersions(t, "structures", "contacts", "handover_rows")
	before := map[string]map[string]string{}
	for _, tb := range []string{"structures", "contacts", "handover_rows"} {
		before[tb] = db.Versions(t, tb)
	}
	d := deltaDiff(t, h, dsn, f, extraction2())
	c := d.diffs[1]
	if !slices.Equal(c.Insert.Keys, []string{"C6"}) || !slices.Equal(c.Update.Keys, []string{"C2", "C4"}) ||
		!slices.Equal(c.Unchanged.Keys, []string{"C1"}) || !slices.Equal(c.Remove.Keys, []string{"C5"}) || c.Policy != "delete" {
		t.Errorf("contacts diff %+v", c)
	}
	want := []protocol.RowChange{
		{Key: "C2", Fields: map[string]protocol.FieldChange{"last_name": {Old: "MÜLLER", New: "MUELLER"}}},
		{Key: "C4", Fields: map[string]protocol.FieldChange{"structure": {Old: "S1", New: "S2"}}},
	}
	if !slices.EqualFunc(c.Update.Changes, want, func(a, b protocol.RowChange) bool {
		return a.Key == b.Key && maps.Equal(a.Fields, b.Fields)
	}) {
		t.Errorf("changes %+v, want %+v", c.Update.Changes, want)
	}
	for tb, v := range before {
		if after := db.Versions(t, tb); !maps.Equal(v, after) {
			t.Errorf("%s: the diff wrote rows", tb)
		}
	}
	if got := keysWhere(t, db, "structures", "external_id", nil); !slices.Equal(got, []string{"S1", "S2", "S3"}) {
		t.Errorf("structures after the diff: %v", got)
	}
}
