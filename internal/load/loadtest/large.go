package loadtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load"
)

// largeRows is more than one COPY chunk of the PostgreSQL direct path.
const largeRows = 40_000

// RunLarge loads more rows than a loader's chunk with a memory budget so
// small that its key → target id index of the referenced entity spills to
// disk (opts.Memory), checks that every reference holds the right id, and
// that a key repeated across chunks fails the load naming its line.
func RunLarge(t *testing.T, h Harness, opts load.Options) {
	t.Run("references resolved from a spilled index", func(t *testing.T) { testLargeRefs(t, h, opts) })
	t.Run("duplicate key in a later chunk", func(t *testing.T) { testLargeDuplicate(t, h, opts) })
}

func largeStructures() []load.Record {
	rs := make([]load.Record, largeRows)
	for i := range rs {
		rs[i] = load.Record{Line: i + 2, Values: []string{fmt.Sprint("S", i), fmt.Sprint("name ", i), ""}}
	}
	return rs
}

func testLargeRefs(t *testing.T, h Harness, opts load.Options) {
	dsn := h.Fresh(t)
	cs := make([]load.Record, largeRows)
	for i := range cs {
		cs[i] = load.Record{Line: i + 2, Values: []string{fmt.Sprint("C", i), "X", "", "", "", "", "", "", "",
			fmt.Sprint("S", i*7919%largeRows)}}
	}
	ctx := Context(t)
	f := testFormat()
	tx, end := begin(ctx, t, h, dsn, opts, f)
	defer end()
	if _, err := tx.Load(ctx, f.Entities[0], rowsOf(largeStructures())); err != nil {
		t.Fatal(err)
	}
	c, err := tx.Load(ctx, f.Entities[1], rowsOf(cs))
	if err != nil {
		t.Fatal(err)
	}
	WantCounts(t, "contacts", c, load.Counts{Inserted: largeRows})
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	db, ok := h.Inspect(t, dsn).(interface {
		Rows(testing.TB, string) [][]string
	})
	if !ok {
		t.Fatal("the harness's inspector runs no SQL")
	}
	got := db.Rows(t, `SELECT count(*) FROM contacts c JOIN structures s ON s.id = c.structure_id
		WHERE s.external_id = 'S' || (substr(c.external_id, 2)::bigint * 7919 % `+fmt.Sprint(largeRows)+`)`)
	if len(got) != 1 || got[0][0] != fmt.Sprint(largeRows) {
		t.Errorf("contacts whose structure_id is their structure's id: %v, want %d", got, largeRows)
	}
}

func testLargeDuplicate(t *testing.T, h Harness, opts load.Options) {
	dsn := h.Fresh(t)
	ss := largeStructures()
	ss = append(ss, load.Record{Line: largeRows + 2, Values: []string{"S5", "again", ""}})
	ctx := Context(t)
	f := testFormat()
	tx, end := begin(ctx, t, h, dsn, opts, f)
	defer end()
	_, err := tx.Load(ctx, f.Entities[0], rowsOf(ss))
	want := fmt.Sprintf(`line %d: duplicate key "S5"`, largeRows+2)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Load: %v, want an error naming %s", err, want)
	}
}
