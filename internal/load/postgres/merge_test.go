package postgres

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/load"
)

// TestMergeByTargetID: a delta's staged rows carry the target id the
// client found in the bookkeeping, so that the merge updates changed rows
// and inserts new ones without joining the whole bookkeeping; a few rows
// against many plan the update by index (hash and merge joins off), and
// the transaction plans as before afterwards (what it had set itself
// included).
func TestMergeByTargetID(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	const n = 200
	mergeBefore := "on" // what the transaction sets enable_mergejoin to before the load
	load1 := func(vals func(i int) string, extra ...string) load.Counts {
		t.Helper()
		tx, err := target.Begin(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var recs []load.Record
		for i := range n {
			recs = append(recs, load.Record{Line: i + 2, Values: []string{fmt.Sprintf("K%03d", i), vals(i)}})
		}
		for i, k := range extra {
			recs = append(recs, load.Record{Line: n + i + 2, Values: []string{k, "new"}})
		}
		if _, err := tx.(*pgTx).tx.Exec(ctx, "SELECT set_config('enable_mergejoin', $1, true)", mergeBefore); err != nil {
			t.Fatal(err)
		}
		c, err := tx.Load(ctx, f.Entities[0], &sliceBatches{batch: recs, left: len(recs)})
		if err != nil {
			t.Fatal(err)
		}
		var hash, merge string
		if err := tx.(*pgTx).tx.QueryRow(ctx, "SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')").Scan(&hash, &merge); err != nil {
			t.Fatal(err)
		}
		if hash != "on" || merge != mergeBefore {
			t.Errorf("after the load: enable_hashjoin %s, enable_mergejoin %s", hash, merge)
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		return c
	}
	load1(func(int) string { return "a" })
	// A few changed rows and two new ones against 200: probed by index.
	if !probeMerge(5, n) {
		t.Fatal("5 staged rows against 200 held are not probed")
	}
	c := load1(func(i int) string {
		if i%70 == 0 {
			return "b"
		}
		return "a"
	}, "N1", "N2")
	if c.Updated != 3 || c.Inserted != 2 || c.Unchanged != n-3 {
		t.Errorf("few changed: %+v, want 3 updated, 2 inserted, %d unchanged", c, n-3)
	}
	// Most rows changed: planned from statistics.
	if probeMerge(n, n+2) {
		t.Fatal("every row staged is probed")
	}
	c = load1(func(int) string { return "c" }, "N1", "N3")
	if c.Updated != n || c.Inserted != 1 || c.Unchanged != 1 {
		t.Errorf("all changed: %+v, want %d updated, 1 inserted, 1 unchanged", c, n)
	}
	// A transaction that turned merge joins off keeps them off after a
	// probed merge.
	mergeBefore = "off"
	if c := load1(func(i int) string {
		if i == 7 {
			return "d"
		}
		return "c"
	}, "N1", "N3"); c.Updated != 1 || c.Inserted != 0 {
		t.Errorf("one changed, merge joins off before: %+v", c)
	}
	mergeBefore = "on"
	if c := load1(func(int) string { return "c" }, "N1", "N3"); c.Updated != 1 {
		t.Errorf("the row changed back: %+v", c)
	}
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	rows, err := tx.(*pgTx).tx.Query(ctx, `SELECT i.k, i.v, h.target_id = i.id FROM items i
		JOIN handover_rows h ON h.entity = 'items' AND h.key = i.k ORDER BY i.k`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := 0
	for rows.Next() {
		var k, v string
		var same bool
		if err := rows.Scan(&k, &v, &same); err != nil {
			t.Fatal(err)
		}
		got++
		want := "c"
		if k[0] == 'N' {
			want = "new"
		}
		if v != want || !same {
			t.Errorf("row %s: value %s (want %s), bookkeeping's target id is the row's: %v", k, v, want, same)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if got != n+3 {
		t.Errorf("%d rows with their bookkeeping, want %d", got, n+3)
	}
}

// TestFreshenStatsWithoutCounters: a bookkeeping with rows and no
// statistics is analyzed when it is read, although the activity counters
// (gone with a restore, a copy from a template or a reset) say nothing
// changed — the planner would otherwise take the entity for a few
// thousand rows and join the staged rows to all of it with a hash.
func TestFreshenStatsWithoutCounters(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	keys := make([]string, 3000)
	for i := range keys {
		keys[i] = fmt.Sprintf("K%05d", i)
	}
	loadItems(t, target, f, keys...)
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	x := tx.(*pgTx)
	stats := func() int {
		t.Helper()
		var n int
		const q = "SELECT count(*) FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1 AND attname = 'entity'"
		if err := x.tx.QueryRow(ctx, q, x.bookOf("items").name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// As a restored database: no counters, no statistics (committed on
	// a connection of its own).
	other, err := pgx.ConnectConfig(ctx, x.t.conn.Config().Copy())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close(ctx)
	for _, q := range []string{"SELECT pg_stat_reset()", "DELETE FROM pg_statistic WHERE starelid = '" + x.bookOf("items").name + "'::regclass"} {
		if _, err := other.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if stats() != 0 {
		t.Fatal("statistics of handover_rows left")
	}
	if _, err := x.readBook(ctx, "items"); err != nil {
		t.Fatal(err)
	}
	if stats() != 1 {
		t.Fatal("handover_rows without statistics was not analyzed when read")
	}
	// With the small sample of freshenStats: a histogram of at most
	// pgFreshenTarget buckets (the default target gives 100 for 3,000 keys).
	var bounds int
	const q = "SELECT coalesce(array_length(histogram_bounds, 1), 0) FROM pg_stats WHERE schemaname = current_schema() AND tablename = $1 AND attname = 'key'"
	if err := x.tx.QueryRow(ctx, q, x.bookOf("items").name).Scan(&bounds); err != nil {
		t.Fatal(err)
	}
	if bounds == 0 || bounds > pgFreshenTarget+1 {
		t.Errorf("the keys' histogram has %d bounds, want 1 to %d", bounds, pgFreshenTarget+1)
	}
}
