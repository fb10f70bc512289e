package postgres

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/handover/handover/internal/load"
	"github.com/handover/handover/internal/load/internal/core"
)

// TestBookkeepingKeyBuiltAfterCopy: an entity's first import fills its
// new partition without the primary key and builds it at the end; what
// is left is the layout a partition created with its key has — attached,
// its key a partition of handover_rows' key, no CHECK constraint — and
// the partition's row count is known to the planner (the build counts
// them).
func TestBookkeepingKeyBuiltAfterCopy(t *testing.T) {
	f, target := itemsTarget(t)
	if c := loadItems(t, target, f, "C", "A", "B"); c.Inserted != 3 {
		t.Fatalf("first import %+v", c)
	}
	part := pgPartitionName("items")
	if got := strings1(t, target, "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::regclass", part); !slices.Equal(got, []string{"handover_rows"}) {
		t.Fatalf("%s is a partition of %v, want handover_rows", part, got)
	}
	if got := strings1(t, target, "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::regclass", part+"_pkey"); !slices.Equal(got, []string{"handover_rows_pkey"}) {
		t.Errorf("%s_pkey is a partition of %v, want handover_rows_pkey", part, got)
	}
	if got := strings1(t, target, "SELECT contype::text || ' ' || conname FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY 1", part); !slices.Equal(got, []string{"p " + part + "_pkey"}) {
		t.Errorf("%s has the constraints %v, want its primary key only", part, got)
	}
	if got := strings1(t, target, "SELECT reltuples::bigint::text FROM pg_class WHERE oid = $1::regclass", part); !slices.Equal(got, []string{"3"}) {
		t.Errorf("the planner counts %v rows in %s, want 3", got, part)
	}
	if c := loadItems(t, target, f, "C", "A", "B", "D"); c.Unchanged != 3 || c.Inserted != 1 {
		t.Errorf("second import %+v, want 3 unchanged, 1 inserted", c)
	}
}

// TestBookkeepingBulkRolledBack: a first import that fails after its
// partition was detached leaves nothing behind, and the next import
// creates and fills it.
func TestBookkeepingBulkRolledBack(t *testing.T) {
	defer func(n int) { directChunk = n }(directChunk)
	directChunk = 2
	f, target := itemsTarget(t)
	ctx := context.Background()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	recs := []load.Record{{Line: 2, Values: []string{"A", "a"}}, {Line: 3, Values: []string{"B", "b"}}, {Line: 4, Values: []string{"A", "c"}}}
	if _, err := tx.Load(ctx, f.Entities[0], &sliceBatches{batch: recs, left: len(recs)}); err == nil || !strings.Contains(err.Error(), `line 4: duplicate key "A"`) {
		t.Fatalf("Load: %v, want line 4 named", err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	part := pgPartitionName("items")
	if got := strings1(t, target, "SELECT coalesce(to_regclass($1)::text, '')", part); !slices.Equal(got, []string{""}) {
		t.Fatalf("after the rollback %s is %v, want gone", part, got)
	}
	if c := loadItems(t, target, f, "A", "B"); c.Inserted != 2 {
		t.Fatalf("import after the rollback %+v", c)
	}
	if got := strings1(t, target, "SELECT key FROM handover_rows WHERE entity = 'items' ORDER BY key"); !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("bookkeeping %v, want A B", got)
	}
}

// TestBookkeepingBulkDuplicate: a key twice in a detached partition (what
// the target table's unique index stops before) fails the key's build
// with an error naming the key.
func TestBookkeepingBulkDuplicate(t *testing.T) {
	f, target := itemsTarget(t)
	ctx := context.Background()
	tx, err := target.Begin(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	x := tx.(*pgTx)
	bulk, err := x.detachBook(ctx, "items")
	if err != nil || bulk == nil {
		t.Fatalf("detachBook: %v, %v", bulk, err)
	}
	if again, err := x.detachBook(ctx, "items"); again != nil || err != nil {
		t.Fatalf("detachBook again: %v, %v, want nothing to do", again, err)
	}
	book := &pgBook{entity: "items", table: bulk.rel.name}
	book.add("K", core.Fingerprint{1}, 1, nil)
	book.add("K", core.Fingerprint{2}, 2, nil)
	if err := book.copy(ctx, x); err != nil {
		t.Fatalf("copy without the key: %v", err)
	}
	p, err := x.Loadable(f.Entities[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := bulk.attach(ctx, x, p); err == nil || !strings.Contains(err.Error(), `the key "K" is twice in the load`) {
		t.Fatalf("attach: %v, want the key named", err)
	}
}

// TestBookkeepingBulkEmpty: a first import without rows detaches and
// attaches its partition all the same, and the next import fills it.
func TestBookkeepingBulkEmpty(t *testing.T) {
	f, target := itemsTarget(t)
	if c := loadItems(t, target, f); c != (load.Counts{}) {
		t.Fatalf("empty import %+v", c)
	}
	part := pgPartitionName("items")
	if got := strings1(t, target, "SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = $1::regclass", part); !slices.Equal(got, []string{"handover_rows"}) {
		t.Fatalf("after an empty import %s is a partition of %v, want handover_rows", part, got)
	}
	if c := loadItems(t, target, f, "A"); c.Inserted != 1 {
		t.Fatalf("import after the empty one %+v", c)
	}
}
