package postgres

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/handover/handover/internal/format"
	"github.com/handover/handover/internal/load"
)

// loadItems imports records of items with keys in the given order into
// target, and returns the counts.
func loadItems(t *testing.T, target load.Target, f *format.Format, keys ...string) load.Counts {
	t.Helper()
	ctx := context.Background()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var recs []load.Record
	for i, k := range keys {
		recs = append(recs, load.Record{Line: i + 2, Values: []string{k, "v" + k}, Skip: []byte("skip " + k)})
	}
	c, err := tx.Load(ctx, f.Entities[0], &sliceBatches{batch: recs, left: len(recs)})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

// strings1 runs a query of one text column on the target's connection.
func strings1(t *testing.T, target load.Target, q string, args ...any) []string {
	t.Helper()
	rows, err := target.(*pgTarget).conn.Query(context.Background(), q, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBookkeepingPartitioned: a new environment's bookkeeping is
// partitioned by entity, an entity's entries are in its own partition,
// written in key order within a chunk, and a second import of the same
// rows finds them unchanged.
func TestBookkeepingPartitioned(t *testing.T) {
	f, target := itemsTarget(t)
	if c := loadItems(t, target, f, "C", "A", "B"); c.Inserted != 3 {
		t.Fatalf("first import %+v", c)
	}
	part := pgPartitionName("items")
	if got := strings1(t, target, "SELECT relkind::text FROM pg_class WHERE oid = 'handover_rows'::regclass"); !slices.Equal(got, []string{"p"}) {
		t.Fatalf("handover_rows has relkind %v, want partitioned", got)
	}
	if got := strings1(t, target, "SELECT key FROM "+pgQuote(part)+" ORDER BY ctid"); !slices.Equal(got, []string{"A", "B", "C"}) {
		t.Errorf("items' partition holds %v in this order, want A B C", got)
	}
	if got := strings1(t, target, "SELECT key FROM "+pgDefaultPartition); len(got) != 0 {
		t.Errorf("the default partition holds %v", got)
	}
	if c := loadItems(t, target, f, "C", "A", "B"); c.Unchanged != 3 {
		t.Errorf("second import %+v, want 3 unchanged", c)
	}
}

// TestBookkeepingUnpartitioned: a database whose handover_rows predates
// partitioning (one table, no skip column) keeps its table and works as
// before.
func TestBookkeepingUnpartitioned(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	const old = `CREATE TABLE handover_rows (
	entity text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL, fingerprint bytea NOT NULL, target_id bigint NOT NULL,
	PRIMARY KEY (entity, key))`
	if _, err := target.(*pgTarget).conn.Exec(ctx, old); err != nil {
		t.Fatal(err)
	}
	if c := loadItems(t, target, f, "B", "A"); c.Inserted != 2 {
		t.Fatalf("first import %+v", c)
	}
	if got := strings1(t, target, "SELECT relkind::text FROM pg_class WHERE oid = 'handover_rows'::regclass"); !slices.Equal(got, []string{"r"}) {
		t.Errorf("handover_rows has relkind %v, want the plain table kept", got)
	}
	if got := strings1(t, target, "SELECT key FROM handover_rows WHERE entity = 'items' AND skip IS NOT NULL ORDER BY key"); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("entries with skip data %v, want A B", got)
	}
	if c := loadItems(t, target, f, "B", "A", "C"); c.Unchanged != 2 || c.Inserted != 1 {
		t.Errorf("second import %+v, want 2 unchanged, 1 inserted", c)
	}
}

// TestBookkeepingInDefault: an entity whose entries are in the default
// partition (an older handover wrote them) gets no partition of its own
// — one could not be created over them — and imports as before.
func TestBookkeepingInDefault(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	if c := loadItems(t, target, f, "A", "B"); c.Inserted != 2 {
		t.Fatalf("first import %+v", c)
	}
	part := pgQuote(pgPartitionName("items"))
	for _, q := range []string{"ALTER TABLE handover_rows DETACH PARTITION " + part,
		"INSERT INTO handover_rows SELECT * FROM " + part, "DROP TABLE " + part} {
		if _, err := target.(*pgTarget).conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if c := loadItems(t, target, f, "A", "B", "C"); c.Unchanged != 2 || c.Inserted != 1 {
		t.Errorf("import %+v, want 2 unchanged, 1 inserted", c)
	}
	if got := strings1(t, target, "SELECT key FROM "+pgDefaultPartition+" ORDER BY key"); !slices.Equal(got, []string{"A", "B", "C"}) {
		t.Errorf("the default partition holds %v, want A B C", got)
	}
	if got := strings1(t, target, "SELECT coalesce(to_regclass($1)::text, '')", pgPartitionName("items")); len(got) != 1 || got[0] != "" {
		t.Errorf("a partition of items was created: %v", got)
	}
}

// TestPartitionName: names are valid identifiers, different for entities
// that differ in case or in characters left out, and never the default's.
func TestPartitionName(t *testing.T) {
	seen := map[string]string{}
	for _, e := range []string{"items", "Items", "ITEMS", "items_", "ítems", "default", strings.Repeat("x", 200), strings.Repeat("x", 201)} {
		n := pgPartitionName(e)
		if len(n) > 63 || n == pgDefaultPartition || strings.Trim(n, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
			t.Errorf("pgPartitionName(%q) = %q", e, n)
		}
		if other, ok := seen[n]; ok {
			t.Errorf("%q and %q share partition %q", e, other, n)
		}
		seen[n] = e
	}
}

// TestImportWithoutJIT: the import's transaction has the server's JIT
// compilation off, and only that transaction.
func TestImportWithoutJIT(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	var jit string
	if err := tx.(*pgTx).tx.QueryRow(ctx, "SHOW jit").Scan(&jit); err != nil {
		t.Fatal(err)
	}
	if jit != "off" {
		t.Errorf("jit is %q in the import's transaction", jit)
	}
	tx.Rollback(ctx)
	if got := strings1(t, target, "SHOW jit"); len(got) != 1 || got[0] == "off" {
		t.Errorf("jit is %v after the import", got)
	}
}

// TestPartitionNameTaken: a table that has the name of an entity's
// partition but is not one is never taken for its bookkeeping; the import
// stops with an error that names it.
func TestPartitionNameTaken(t *testing.T) {
	ctx := context.Background()
	f, target := itemsTarget(t)
	name := pgPartitionName("items")
	if _, err := target.(*pgTarget).conn.Exec(ctx, "CREATE TABLE "+pgQuote(name)+" (x int)"); err != nil {
		t.Fatal(err)
	}
	tx, err := target.Begin(ctx, f)
	if err == nil {
		tx.Rollback(ctx)
		t.Fatal("an import began with a stranger's table in the bookkeeping's place")
	}
	if !strings.Contains(err.Error(), name) {
		t.Errorf("error %q does not name %s", err, name)
	}
}
