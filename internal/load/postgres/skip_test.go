package postgres

import (
	"context"
	"testing"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/testenv"
)

// TestSkipsBookCompact: the bookkeeping Skips reads for the entity's Load
// is kept through the entity's stream with no room beyond its entries
// (what its arrays grew into would cost the delta collections).
func TestSkipsBookCompact(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	loadItems(t, target, f, "A", "B", "C")
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	x := tx.(*pgTx)
	n := 0
	if err := x.Skips(ctx, "items", load.SkipFunc(func(place int, key, fp, skip []byte) error { n++; return nil })); err != nil {
		t.Fatal(err)
	}
	b := x.prefetched["items"]
	if n != 3 || b == nil || b.Len() != 3 {
		t.Fatalf("skips %d, book %v", n, b)
	}
	if cap(b.FPs) != len(b.FPs) || cap(b.IDs) != len(b.IDs) {
		t.Errorf("book kept with room: fingerprints %d of %d, ids %d of %d", len(b.FPs), cap(b.FPs), len(b.IDs), cap(b.IDs))
	}
	if _, ok := b.Find("B"); !ok {
		t.Error("B not found after compaction")
	}
}

// TestBookEntries: the book and the skip sink are allocated for the
// statistics' estimate; without one for the sink's guess, unless
// handover_rows is too small on disk to hold that many entries.
func TestBookEntries(t *testing.T) {
	for _, c := range []struct{ n, guess, size, want int64 }{
		{1050, 2000, 1 << 20, 1050}, // the statistics win
		{0, 2000, 1 << 20, 2000},    // none: the guess fits in 1 MiB
		{0, 1e9, 64 << 20, 1 << 20}, // a guess too large for the table
		{0, 0, 64 << 20, 0},         // no guess
		{0, 5000, 0, 0},             // no size
	} {
		if got := bookEntries(c.n, c.guess, c.size); got != c.want {
			t.Errorf("bookEntries(%d, %d, %d) = %d, want %d", c.n, c.guess, c.size, got, c.want)
		}
	}
}

// itemsTarget opens a fresh PostgreSQL database as the target of a format
// of one entity, items: a key k and a string v.
func itemsTarget(t *testing.T) (*format.Format, load.Target) {
	t.Helper()
	dsn := testenv.FreshPostgres(t)
	f, err := format.ParseFormat("format.yaml", []byte("entities:\n  - name: items\n    key: k\n    fields:\n"+
		"      - {name: k, type: string, required: true}\n      - {name: v, type: string}\n"))
	if err != nil {
		t.Fatal(err)
	}
	target, err := Open(context.Background(), dsn, load.Options{Env: "dev"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { target.Close() })
	return f, target
}
